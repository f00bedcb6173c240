"""Pressroom: articles in an S3 bucket become a news site, rendered by Lambda and served by CloudFront."""

__version__ = "0.1.0"

# A process of ours builds objects that live until it exits: botocore's service models and clients, the
# modules it imports, and locally moto's backends and a folder's parsed articles. Python collects after every
# 700 new objects by default and, every hundredth time, walks all of them again: 0.5-0.8 s of a local stack's
# start, and about 0.1 s of a function's cold start. A larger first threshold keeps cyclic garbage (rare
# here: a few MB at most) a little longer and skips most of those walks.
COLLECT_AFTER = (50_000, 20, 20)


def collect_less() -> None:
    """Collect garbage less often in this process: the CLI, its worker processes, and a function's first
    lines (before its imports)."""
    import gc

    gc.set_threshold(*COLLECT_AFTER)
