# The server the prod image had before Granian: gunicorn, gthread, 2 workers x 32 threads.
# Not part of the product: `make bench` builds it to measure serve.py against (figure 4).
ARG BASE_IMAGE=python:3.12-slim-bookworm
FROM ${BASE_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt /tmp/requirements/
RUN python3 -m venv /opt/venv \
 && pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements/requirements.txt gunicorn==27.0.1
COPY app/ ./app/
USER 10001:10001
EXPOSE 5000
# GUNICORN_CMD_ARGS, read after these, sets the variants compared.
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "--workers", "2", "--worker-class", "gthread", "--threads", "32", \
     "--graceful-timeout", "20", "--keep-alive", "5", "--worker-tmp-dir", "/dev/shm", "app:create_app()"]
