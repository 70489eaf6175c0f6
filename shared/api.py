"""The kit's flask-smorest Blueprint: every service's views parse their input through the text guard."""

from __future__ import annotations

from flask_smorest import Blueprint as SmorestBlueprint

from shared.textguard import TextGuardParser


class Blueprint(SmorestBlueprint):
    """A flask-smorest Blueprint whose arguments refuse text a database cannot store (422 per field)."""

    ARGUMENTS_PARSER = TextGuardParser()
    # a body the parser reads as JSON or as a form (`json_or_form`) is a request body, documented as JSON; a
    # view adds the form's content type with `doc(requestBody=...)`
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "json_or_form": "application/json"}
