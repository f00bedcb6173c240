"""Pressroom: articles in an S3 bucket become a news site, rendered by Lambda and served by CloudFront."""

__version__ = "0.1.0"
