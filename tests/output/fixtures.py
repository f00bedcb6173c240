"""A content set that uses every format and feature, for checking what the theme produces from it."""

from __future__ import annotations

import json

from pressroom.content import Article, parse_article
from pressroom.site import Site, parse_site

SITE_YAML = """\
name: Harbour & Quay “Gazette”
base_url: https://gazette.example.org
about: |
  An independent newsroom covering the port & the council.

  We publish every weekday; corrections to desk@example.org.
logo: /media/logo.png
language: en-GB
timezone: Europe/Lisbon
posts_per_page: 3
author: Gazette staff
"""

MARKDOWN = """\
---
title: "Ferry timetable: a late crossing on Fridays & more"
date: 2026-03-06T09:30:00+00:00
updated: 2026-03-07T10:00:00+00:00
author: Marta Reis
tags: [Transport, Harbour, "Late Night"]
image: {src: /media/ferry.jpg, alt: The island ferry at the quay}
canonical: /posts/ferry-timetable/
aliases: [/2026/ferry.html]
---
The island ferry will run an extra crossing at **23:15** every Friday, the operator
confirmed on Thursday. See the [operator's notice](https://ferries.example.org/notice) or
[write to us](mailto:desk@example.org).

## Times

| Day       | First | Last crossing |
|:----------|:-----:|--------------:|
| Mon–Thu   | 06:10 | 21:40         |
| Friday    | 06:10 | 23:15         |

> “It is what the island asked for,” said a spokeswoman.

1. Buy tickets online
2. Or at the *kiosk*
   - cash accepted
   - ~~cheques~~ no longer

3. Board ten minutes early

```python
def crossing(day: str) -> str:
    return "23:15" if day == "Friday" else "21:40"
```

![Map of the route](/media/route.png)

---

Inline `code`, a footnote-like mark¹ and a line\\
break.
"""

TEXT = """\
Market hall reopens after a year of repairs

LISBON, March 2, 2026 — The covered market on Quay Street reopened on Monday morning, a year after storm damage
closed its roof to traders.

Stallholders said the first day felt “like a homecoming”, and the queue for the fishmongers reached the
harbour wall before nine.

The council’s works team replaced the roof panels & the drainage — the two things traders had asked for.
"""

HTML = """\
<title>Lighthouse opens its doors for one weekend</title>
<time datetime="2026-02-04T10:00:00-01:00">February 4, 2026</time>
<p>The lighthouse on the north breakwater will be open to visitors, the <abbr title="Port Authority">PA</abbr>
announced. H<sub>2</sub>O levels and 10<sup>th</sup> anniversary aside, <q>it is a rare chance</q>.</p>
<figure><img src="/media/lighthouse.jpg" alt="The lighthouse at dusk" width="640" height="480">
<figcaption>The lighthouse at dusk.</figcaption></figure>
<h2>Booking</h2>
<dl><dt>Price</dt><dd>Free</dd><dt>Places</dt><dd>Twelve per visit</dd></dl>
<table><caption>Visiting hours</caption><thead><tr><th scope="col">Day</th><th scope="col">Hours</th></tr></thead>
<tbody><tr><td>Saturday</td><td>10–16</td></tr><tr><td colspan="2">Sunday closed</td></tr></tbody></table>
<ol start="3" reversed><li>Three</li><li>Two</li></ol>
<p>Messy markup below is tidied:</p>
<li>a loose item</li><span><p>a paragraph inside a span</p></span><time>sometime</time>
<ul>loose text<li>an item</li></ul>
<p><img src="/media/nodims.png"> and <a href="https://example.org" title="Example">a link</a><br>
next line.</p>
<div style="color:red" onclick="alert(1)">script-free text</div>
"""

JSON = {
    "title": "Council agrees a smaller budget for road repairs",
    "date": "2025-12-31T23:30:00-05:00",
    "author": "Tomás Lima",
    "tags": ["Council", "Transport"],
    "summary": "Councillors voted 9 to 4 to cut the road-repair budget by a fifth.",
    "body": "Councillors voted 9 to 4 on Wednesday.\n\nThe savings will pay for the *flood barrier*.",
}

ESCAPING = """\
---
title: "</script><script>alert('x')</script> & \\"quotes\\" <b>tags</b>"
date: 2026-01-15
author: "O'Brien & <Sons>"
tags: ["<Tag> & 'more'"]
summary: "A </script> summary & more"
slug: escaping-test
---
Text with <raw> & "quotes".
"""

NON_LATIN = """\
---
title: Ημέρα λιμανιού στο Πειραιά
date: 2025-06-01T12:00:00+03:00
slug: harbour-day-piraeus
tags: [Λιμάνι]
---
Κείμενο του άρθρου.
"""


def rich_uploads() -> dict[str, str]:
    """Every format and field, with dates across months, years and offsets, by content-bucket key."""
    return {
        "site.yaml": SITE_YAML,
        "articles/ferry-timetable.md": MARKDOWN, "articles/market-hall.txt": TEXT,
        "articles/lighthouse.html": HTML, "articles/council-budget.json": json.dumps(JSON, ensure_ascii=False),
        "articles/escaping.md": ESCAPING, "articles/harbour-day.md": NON_LATIN,
    }


def rich_site() -> tuple[Site, list[Article]]:
    """The rich uploads, parsed."""
    uploads = rich_uploads()
    site = parse_site(uploads.pop("site.yaml").encode())
    return site, [parse_article(key, text.encode(), site) for key, text in uploads.items()]
