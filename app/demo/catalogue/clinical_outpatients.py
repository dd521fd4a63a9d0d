"""Outpatient specialists of the Riverside Health Network, referred to mostly by GPs."""

from __future__ import annotations

from app.demo.catalogue.types import Profile, Service

DERMATOLOGY = Profile(
    specialty="Dermatology",
    extra_specialties=("Skin cancer", "Dermoscopy", "Paediatric dermatology"),
    practice_words=("Skin Clinic", "Dermatology"),
    title="Dr",
    person_share=0.6,
    share=0.05,
    send_weight=0.3,
    receive_weight=1.1,
    capacity=(8, 20),
    services=(
        Service(
            "Dermatology consultation",
            (
                "Eczema not controlled with potent topical steroids.",
                "Psoriasis over about 10% of the body; considering systemic treatment.",
                "Acne with scarring; two courses of oral antibiotics tried.",
            ),
        ),
        Service(
            "Mole check (dermoscopy)",
            (
                "Pigmented lesion on the back that has changed shape.",
                "Non-healing lesion on the nose for 3 months.",
            ),
        ),
    ),
    outcomes=(
        "Lesion excised; histology benign (seborrhoeic keratosis).",
        "Basal cell carcinoma excised with clear margins.",
        "Treatment escalated; review in 3 months.",
    ),
    bios=("Consultant dermatologist; skin cancer and dermoscopy.",),
)

ORTHOPAEDICS = Profile(
    specialty="Orthopaedics",
    extra_specialties=("Knee surgery", "Hip surgery", "Hand surgery"),
    practice_words=("Orthopaedic Clinic", "Bone & Joint Centre"),
    title="Mr",
    person_share=0.7,
    share=0.06,
    send_weight=0.6,
    receive_weight=1.2,
    capacity=(6, 18),
    services=(
        Service(
            "Orthopaedic outpatient consultation",
            (
                "Knee pain with locking after a twisting injury.",
                "Hip osteoarthritis with night pain despite analgesia.",
                "Shoulder pain not better after 8 weeks of physiotherapy.",
            ),
        ),
        Service(
            "Hand surgery opinion",
            ("Carpal tunnel syndrome confirmed on nerve conduction studies.",),
        ),
    ),
    outcomes=(
        "Listed for arthroscopy; pre-operative assessment booked.",
        "Steroid injection given; review in 6 weeks.",
        "Conservative management; referred back to physiotherapy.",
    ),
    bios=("Consultant orthopaedic surgeon; knee and hip.",),
)

OPHTHALMOLOGY = Profile(
    specialty="Ophthalmology",
    extra_specialties=("Cataract surgery", "Glaucoma", "Medical retina"),
    practice_words=("Eye Clinic", "Eye Centre"),
    title="Dr",
    person_share=0.5,
    share=0.05,
    send_weight=0.3,
    receive_weight=0.9,
    capacity=(10, 30),
    services=(
        Service(
            "Eye clinic assessment",
            (
                "Gradual blurred vision and glare when driving at night.",
                "Raised eye pressure found by the optometrist.",
                "New flashes and floaters in the right eye.",
            ),
        ),
    ),
    outcomes=(
        "Cataract confirmed; listed for surgery.",
        "Ocular hypertension; drops started, review in 4 months.",
        "Posterior vitreous detachment, no tear. Safety-net advice given.",
    ),
    bios=("Ophthalmologist; cataract and glaucoma clinics.",),
)

PODIATRY = Profile(
    specialty="Podiatry",
    extra_specialties=("Diabetic foot care", "Biomechanics"),
    practice_words=("Foot Clinic", "Podiatry"),
    title="",
    person_share=0.5,
    share=0.05,
    send_weight=0.3,
    receive_weight=0.8,
    capacity=(10, 30),
    services=(
        Service(
            "Podiatry assessment",
            (
                "Diabetic foot with reduced sensation and callus.",
                "Heel pain on the first steps in the morning.",
                "Ingrown toenail with recurrent infection.",
            ),
        ),
    ),
    outcomes=(
        "Nail surgery done; healed at review.",
        "Orthotics fitted; symptoms improving.",
        "Foot risk assessed as moderate; 3-monthly review arranged.",
    ),
    bios=("HCPC-registered podiatrist; diabetic foot care.",),
)

ENT = Profile(
    specialty="Ear, nose & throat",
    extra_specialties=("Audiology", "Rhinology"),
    practice_words=("ENT Clinic", "Hearing & ENT Centre"),
    title="Mr",
    person_share=0.6,
    share=0.04,
    send_weight=0.3,
    receive_weight=0.8,
    capacity=(6, 18),
    services=(
        Service(
            "ENT outpatient consultation",
            (
                "Hoarse voice for 4 weeks in a smoker.",
                "One-sided hearing loss and tinnitus.",
                "Recurrent tonsillitis, 6 episodes this year.",
            ),
        ),
    ),
    outcomes=(
        "Laryngoscopy normal; voice therapy suggested.",
        "MRI arranged for asymmetric hearing loss; result normal.",
        "Listed for tonsillectomy.",
    ),
    bios=("ENT surgeon; voice and hearing clinics.",),
)
