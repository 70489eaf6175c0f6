"""What every public page tells a person: whose platform it is, where to complain, and how fresh its data is.

The county file names each county served, the office hosting the work and the complaint hotline; the
complaints service's `/report` form is found at `OFFCAMPUS_COMPLAINTS_URL`. A page blueprint registers
`public_notice` as a context processor and calls `{{ public_notice(updated_at) }}` in its template.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template_string
from markupsafe import Markup

from shared.clock import LOCAL_TZ
from shared.county import county_config
from shared.departments import office_name

NOTICE = """<aside class="public-notice" id="public-notice">
{%- for county in counties %}
<p class="county"><strong>{{ county.name }}</strong> · {{ _('Hosted by %(office)s', office=county.office) }}
 · {{ _('Complaint hotline') }} <a href="tel:{{ county.hotline }}" class="hotline">{{ county.hotline }}</a></p>
{%- endfor %}
<p><a href="{{ report_url }}" class="report-link">{{ _('Report off-campus training online') }}</a>
{%- if updated %} · <span class="updated" id="updated-at">{{ _('Data last updated %(when)s', when=updated) }}</span>
{%- endif %}</p>
</aside>"""


def report_url() -> str:
    """Where the public files a complaint: the complaints service's `/report` page."""
    return current_app.extensions["offcampus.settings"].service_url("complaints").rstrip("/") + "/report"


def hotlines() -> str:
    """The complaint hotline(s) of the counties served, as a person reads them."""
    return " / ".join(dict.fromkeys(county.hotline for county in county_config().counties))


def notice(updated_at: dt.datetime | None = None) -> Markup:
    """The counties, their host offices and hotlines, the link to `/report`, and when the data last changed."""
    counties = [{"name": c.name, "office": c.host_office or office_name(c.host_department), "hotline": c.hotline}
                for c in county_config().counties]
    updated = None
    if updated_at is not None:
        moment = updated_at if updated_at.tzinfo else updated_at.replace(tzinfo=dt.UTC)
        updated = moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    return Markup(render_template_string(NOTICE, counties=counties, report_url=report_url(),  # noqa: S704
                                         updated=updated))


def public_context() -> dict[str, Any]:
    """A page blueprint's context processor: `public_notice(updated_at)`, `report_url` and `hotlines`."""
    return {"public_notice": notice, "report_url": report_url(), "hotlines": hotlines()}
