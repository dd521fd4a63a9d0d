"""The network rules form: CSRF and labels; the service checks every value."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField

from app.followup.rules import STAGE_LABELS, STAGES, UNIT_LABELS, UNITS
from app.followup.service import NUMBERS, deadline_field
from app.models import Priority

NUMBER = {"type": "number", "inputmode": "numeric", "min": "1"}


class RulesForm(FlaskForm):
    timezone = StringField(
        "Timezone",
        description="Business days and local times are counted here, e.g. Europe/Paris.",
    )
    holiday_country = StringField(
        "Country for public holidays",
        description="A two-letter code such as FR, GB or US; empty: only weekends are skipped.",
    )


for _name, _label in NUMBERS.items():
    setattr(RulesForm, _name, StringField(_label, render_kw=NUMBER))
for _stage in STAGES:
    for _priority in Priority:
        _what = f"{_priority.value} deadline for {STAGE_LABELS[_stage]}"
        setattr(
            RulesForm,
            deadline_field(_stage, _priority, "amount"),
            StringField(f"Amount of the {_what}", render_kw=NUMBER),
        )
        setattr(
            RulesForm,
            deadline_field(_stage, _priority, "unit"),
            SelectField(
                f"Unit of the {_what}",
                choices=[SelectChoice(u, UNIT_LABELS[u]) for u in UNITS],
                validate_choice=False,
            ),
        )
