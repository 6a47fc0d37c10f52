"""`xxgk library collect`: annual reports fetched from portal columns into the library.

fetch.py is the polite HTTP client (robots.txt, one request at a time per host with a delay, back-off,
limits, conditional requests through an HTTP cache); portal.py reads list and detail pages (pagination,
report links, 发布时间, attachments, encodings); state.py keeps the crawl's state in the library database;
run.py walks the columns and stores what it finds through the library's ingest.
"""
