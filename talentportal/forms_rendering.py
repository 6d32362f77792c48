"""How forms render: Django's own renderer and widget templates, but a select writes its options in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property


class FormRenderer(DjangoTemplates):
    """Django's form renderer with ``talentportal/form_templates`` looked up first. There, the select template
    writes each plain option itself and the input template its attributes, where Django's include a template for
    the option and another for its attributes: two inclusions an option, so that a form's or a filter bar's
    selects cost more to render than the rest of its page. The markup is the same (``tests/test_forms_rendering.py``
    compares every page's)."""

    @cached_property
    def engine(self) -> Any:
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [Path(__file__).parent / "form_templates", Path(django.forms.__file__).parent / "templates"],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )
