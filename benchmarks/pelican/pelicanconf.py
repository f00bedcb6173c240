"""The Pelican side of `make bench`: the page kinds Pressroom writes, and nothing else."""

AUTHOR = "Gazette staff"
SITENAME = "Harbour Town Gazette"
SITEURL = "https://gazette.example.org"
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = False
SUMMARY_MAX_LENGTH = 60
RECENT_COUNT = 5
HOME_COUNT = 10

# article pages at the same paths as Pressroom's, slugs from the file names
SLUGIFY_SOURCE = "basename"
ARTICLE_URL = "posts/{slug}/"
ARTICLE_SAVE_AS = "posts/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
MONTH_ARCHIVE_URL = "archive/{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "archive/{date:%Y}/{date:%m}/index.html"

# none of the pages Pressroom does not write: categories, authors, lists of tags, a whole-site archive
DIRECT_TEMPLATES = ["index"]
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
TAGS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
PAGE_PATHS = []
STATIC_PATHS = []

# the site's feeds only, 20 entries each
FEED_ALL_ATOM = "feed.xml"
FEED_ALL_RSS = "rss.xml"
FEED_MAX_ITEMS = 20
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# a full build every time, as the other tools do
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
