# leadbot as a container image: `docker build -t leadbot .`, then see docs/deployment.md.
# The image runs `leadbot serve`; `docker run --rm … leadbot db upgrade` applies migrations.

FROM python:3.11-slim AS build
WORKDIR /src
# what `pip install .` reads: the project file, the readme it names, and the packages
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN python -m venv /opt/leadbot \
    && /opt/leadbot/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/leadbot/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN groupadd --system --gid 10001 leadbot \
    && useradd --system --uid 10001 --gid leadbot --home-dir /data --create-home leadbot
COPY --from=build /opt/leadbot /opt/leadbot
ENV PATH=/opt/leadbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LEADBOT_HOST=0.0.0.0 \
    PORT=3000
# The working directory holds ./leadbot.db when LEADBOT_DATABASE_URL is left at its
# SQLite default (one container only); several containers need PostgreSQL.
WORKDIR /data
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
ENTRYPOINT ["leadbot"]
CMD ["serve"]
