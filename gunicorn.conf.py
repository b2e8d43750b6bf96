"""Gunicorn settings for the production image, each read from the environment."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread: a connection costs a thread once it sends bytes, and a client that
# trickles its headers holds that thread until it is done. 32 threads per worker
# absorb 31 such clients each and still serve others. The price, measured (see
# README, Performance): 10-20 % fewer requests/s than 4 threads under load.
# In a cluster, ingress-nginx also buffers requests in front of this.
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "32"))
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

