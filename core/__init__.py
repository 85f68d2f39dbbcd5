"""The ground floor: what every app uses and no person owns (decision 0136). It imports no app of the project.

- `core.db` – reads on the replica (`replica`), SQL compiled once (`prepared`)
- `core.web` – the request: htmx pages and parts, JSON bodies, the client's address, the site's own address, the
  session store, what a device or a shared cache may keep, first visits' pages
- `core.fields` – what a form or the API takes: one-line text, dates and times in every browser, zones, the
  scheduling horizon, amounts of money in the reader's language
- `core.files` – stored files and images
- `core.caching` – the cache that fails open, change stamps for polls
- `core.transport` – the guarded outbound HTTP session and Web Push
- `core.queue` – work handed to the worker by the task's name
- `core.local_servers` – the embedded servers tests and `make run` start (PostgreSQL clusters, PgBouncer, …)
- `core.checks`, `core.admin_export`, `core.library_words` – deploy checks, the admin's export, libraries' words
"""
