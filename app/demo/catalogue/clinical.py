"""Riverside Health Network: a clinical network of GPs and the specialists they refer to."""

from __future__ import annotations

from app.demo.catalogue.clinical_outpatients import (
    DERMATOLOGY,
    ENT,
    OPHTHALMOLOGY,
    ORTHOPAEDICS,
    PODIATRY,
)
from app.demo.catalogue.types import NetworkCatalogue, Profile, Service

GENERAL_PRACTICE = Profile(
    specialty="General practice",
    extra_specialties=("Minor surgery", "Women's health", "Travel medicine", "Chronic disease"),
    practice_words=("Medical Centre", "Surgery", "Family Practice", "Health Centre"),
    title="Dr",
    person_share=0.7,
    share=0.22,
    send_weight=5.0,
    receive_weight=0.5,
    capacity=(20, 60),
    services=(
        Service(
            "GP follow-up after specialist care",
            (
                "Discharged from clinic: please continue the new medication and review in 4 weeks.",
                "Specialist plan agreed; please repeat bloods in 3 months and adjust the dose.",
                "Stable after treatment; please take over long-term monitoring.",
            ),
        ),
        Service(
            "Medication review",
            (
                "Several new prescriptions from different clinics; please reconcile and review.",
                "Side effects reported on the new tablets; please review alternatives.",
            ),
        ),
    ),
    outcomes=(
        "Reviewed in surgery. Medication continued, next review booked.",
        "Bloods repeated and within range. Will continue to monitor.",
        "Dose adjusted after review; client understands the plan.",
    ),
    bios=(
        "GP partner with an interest in cardiovascular prevention.",
        "Family doctor; runs the practice's diabetes and asthma clinics.",
        "Salaried GP with a special interest in women's health.",
    ),
)

CARDIOLOGY = Profile(
    specialty="Cardiology",
    extra_specialties=("Echocardiography", "Heart failure", "Arrhythmia"),
    practice_words=("Heart Clinic", "Cardiology Centre", "Cardiac Diagnostics"),
    title="Dr",
    person_share=0.6,
    share=0.08,
    send_weight=0.8,
    receive_weight=1.8,
    capacity=(8, 25),
    services=(
        Service(
            "Cardiology outpatient consultation",
            (
                "Chest tightness on exertion, eases with rest; resting ECG normal.",
                "Hypertension not controlled on three agents; please advise.",
                "New systolic murmur heard at a routine check.",
                "Breathlessness on exertion and ankle swelling over 2 months.",
            ),
        ),
        Service(
            "24-hour ECG (Holter) monitoring",
            (
                "Palpitations for 3 months, episodes lasting a few minutes.",
                "Two episodes of fainting while standing, no warning signs.",
            ),
        ),
        Service(
            "Echocardiogram",
            (
                "Raised BNP; please assess left ventricular function.",
                "Murmur and family history of cardiomyopathy.",
            ),
        ),
    ),
    outcomes=(
        "Echocardiogram normal. Reassured; no follow-up needed.",
        "Started on a beta blocker; review in cardiology clinic in 3 months.",
        "Holter showed paroxysmal atrial fibrillation; anticoagulation started.",
        "Exercise test negative for ischaemia. Discharged back to GP.",
    ),
    bios=(
        "Consultant cardiologist; rapid-access chest pain clinic.",
        "Cardiologist with an interest in heart failure and echocardiography.",
    ),
)

PHYSIOTHERAPY = Profile(
    specialty="Physiotherapy",
    extra_specialties=("Sports injuries", "Vestibular rehabilitation", "Post-operative rehab"),
    practice_words=("Physiotherapy", "Physio & Sports Injury Clinic", "Movement Clinic"),
    title="",
    person_share=0.4,
    share=0.12,
    send_weight=0.7,
    receive_weight=1.6,
    capacity=(15, 40),
    services=(
        Service(
            "Musculoskeletal physiotherapy assessment",
            (
                "Lower back pain for 6 weeks, no red flags.",
                "Rotator cuff tendinopathy, pain on reaching overhead.",
                "Recurrent ankle sprains; wants to return to running.",
                "Neck pain and stiffness after a minor car accident.",
            ),
        ),
        Service(
            "Post-operative rehabilitation",
            (
                "Rehabilitation after total knee replacement.",
                "Six weeks after ACL reconstruction, cleared for physiotherapy.",
            ),
        ),
        Service(
            "Vestibular rehabilitation",
            ("Positional vertigo; Epley manoeuvre helped only briefly.",),
        ),
    ),
    outcomes=(
        "Six sessions completed; pain-free and back to work.",
        "Home exercise programme given; good progress, discharged.",
        "Limited progress after 4 sessions; suggest orthopaedic opinion.",
    ),
    bios=(
        "Chartered physiotherapist; musculoskeletal and sports injuries.",
        "Physiotherapy clinic with a hydrotherapy pool.",
    ),
)

DENTISTRY = Profile(
    specialty="Dentistry",
    extra_specialties=("Oral surgery", "Periodontics", "Orthodontics"),
    practice_words=("Dental Practice", "Dental Care", "Smile Studio"),
    title="Dr",
    person_share=0.4,
    share=0.08,
    send_weight=0.6,
    receive_weight=0.9,
    capacity=(10, 30),
    services=(
        Service(
            "Dental assessment",
            (
                "Persistent toothache in a lower left molar.",
                "Bleeding gums; client takes anticoagulants.",
                "Dental clearance needed before heart valve surgery.",
            ),
        ),
        Service(
            "Oral surgery opinion",
            (
                "Impacted wisdom tooth with recurrent infection.",
                "White patch on the side of the tongue for 4 weeks.",
            ),
        ),
    ),
    outcomes=(
        "Extraction done under local anaesthetic; healing well.",
        "Periodontal treatment plan agreed; hygiene visits booked.",
        "No dental cause found for the facial pain; please consider other causes.",
    ),
    bios=("Family dental practice taking NHS and private patients.",),
)

NUTRITION = Profile(
    specialty="Nutrition & dietetics",
    extra_specialties=("Diabetes education", "Weight management", "Food allergy"),
    practice_words=("Nutrition Clinic", "Dietetics", "Healthy Eating Service"),
    title="",
    person_share=0.6,
    share=0.06,
    send_weight=0.4,
    receive_weight=1.0,
    capacity=(10, 25),
    services=(
        Service(
            "Dietetic assessment",
            (
                "Type 2 diabetes newly diagnosed, HbA1c 58 mmol/mol.",
                "Raised cholesterol despite a statin; dietary advice requested.",
                "Unintentional weight loss of 6 kg in 3 months.",
            ),
        ),
        Service(
            "Weight management programme",
            ("BMI 34, motivated to lose weight before knee surgery.",),
        ),
    ),
    outcomes=(
        "Dietary plan agreed; 3 follow-up sessions over 12 weeks.",
        "Lost 5 kg over the programme; HbA1c improving.",
        "Referred on for coeliac screening before dietary changes.",
    ),
    bios=("Registered dietitian; diabetes and weight management.",),
)

MENTAL_HEALTH = Profile(
    specialty="Mental health",
    extra_specialties=("Cognitive behavioural therapy", "Counselling", "Psychiatry"),
    practice_words=("Talking Therapies", "Wellbeing Centre", "Psychology Service"),
    title="Dr",
    person_share=0.5,
    share=0.08,
    send_weight=0.5,
    receive_weight=1.3,
    capacity=(6, 20),
    services=(
        Service(
            "Psychological therapy assessment",
            (
                "Low mood and poor sleep for 2 months, PHQ-9 score 14.",
                "Panic attacks affecting work; would like talking therapy.",
                "Anxiety since a cardiac event; avoiding exercise.",
            ),
        ),
        Service(
            "Cognitive behavioural therapy",
            ("Health anxiety with frequent attendance; agrees to CBT.",),
        ),
        Service(
            "Psychiatric opinion",
            ("Partial response to sertraline after 12 weeks; medication review requested.",),
        ),
    ),
    outcomes=(
        "Course of 8 CBT sessions completed; scores back in normal range.",
        "Assessed; offered group therapy and self-help resources.",
        "Medication changed; follow-up with GP in 4 weeks.",
    ),
    bios=("Clinical psychologist; CBT for anxiety and depression.",),
)

RIVERSIDE = NetworkCatalogue(
    name="Riverside Health Network",
    kind="clinical",
    timezone="Europe/London",
    validity_months=12,
    expire_after_days=30,
    towns=(
        "Riverside",
        "Millbrook",
        "Ashcombe",
        "Kingsmere",
        "Elmford",
        "Westerleigh",
        "Hollin Bridge",
        "Stourby",
    ),
    postcode_area="RV",
    profiles=(
        GENERAL_PRACTICE,
        CARDIOLOGY,
        PHYSIOTHERAPY,
        DENTISTRY,
        NUTRITION,
        MENTAL_HEALTH,
        DERMATOLOGY,
        ORTHOPAEDICS,
        OPHTHALMOLOGY,
        PODIATRY,
        ENT,
    ),
    decline_reasons=(
        "No capacity for new referrals this month.",
        "Outside our scope; a specialist service is better placed.",
        "Client lives outside our catchment area.",
        "Duplicate: the client is already under our care.",
        "Insufficient information; please resend with recent results.",
    ),
    cancel_reasons=(
        "Symptoms resolved; client no longer wishes to be seen.",
        "Client chose to be seen privately elsewhere.",
        "Client moved out of the area.",
        "Sent to the wrong clinic by mistake.",
    ),
    no_show_reasons=(
        "Client did not attend and could not be contacted.",
        "Did not attend twice; returned to the referrer.",
    ),
    notes=(
        "Client prefers morning appointments.",
        "Interpreter needed (Polish).",
        "Wheelchair user; needs step-free access.",
        "Recent blood results attached.",
        "Client is anxious about hospitals; please phone before the visit.",
        "Allergic to penicillin.",
    ),
    client_age=(1, 95),
    identifier_prefix="RHN",
)
