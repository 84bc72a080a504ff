"""`scrapy report`: one self-contained HTML page of crawl runs, ads and their trends."""
