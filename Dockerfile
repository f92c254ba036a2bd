# baas in one slim image: `docker build -t baas . && docker run -p 8090:8090 -v baas_data:/data baas`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BAAS_PLUGINS_DIR=/plugins

# every dependency ships manylinux wheels for 3.11, so no compiler is needed
WORKDIR /src
COPY pyproject.toml README.md ./
COPY baas ./baas
COPY admin_ui ./admin_ui
COPY plugins ./plugins
COPY migrations ./migrations
RUN pip install . \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home baas \
    && mkdir -p /data /plugins \
    && chown baas:baas /data

USER baas
WORKDIR /data
VOLUME /data
EXPOSE 8090

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8090/api/health', timeout=4)"

ENTRYPOINT ["baas"]
CMD ["serve", "--http", "0.0.0.0:8090", "--dir", "/data"]
