"""Gunicorn settings for the production image, each read from the environment."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
# Shorter than the pod's terminationGracePeriodSeconds (30 s), so that in-flight
# requests finish before the kubelet resorts to SIGKILL.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# The app writes its own access log line; gunicorn's would repeat it.
accesslog = None
errorlog = "-"
# Workers' heartbeat files on tmpfs: a container's overlay /tmp can stall them.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
