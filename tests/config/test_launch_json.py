""".vscode/launch.json: the committed "Attach to the pods" matches what the debug image serves."""

import json

from scripts.project import REPO
from tests.support.files import launch_configuration


def test_attach_reaches_the_forwarded_debugger_and_maps_the_synced_code(dockerfile, skaffold_dev):
    attach = launch_configuration(REPO, "Attach to the pods")
    assert (attach["type"], attach["request"]) == ("debugpy", "attach")
    command = json.loads(dockerfile.stages["debug"].last("CMD"))
    listen = command[command.index("--listen") + 1]
    assert attach["connect"] == {"host": "127.0.0.1", "port": int(listen.rsplit(":", 1)[1])}
    # Skaffold syncs app/**/*.py under /app (the image's WORKDIR), as Tilt syncs ./app to /app/app.
    (sync,) = skaffold_dev["build"]["artifacts"][0]["sync"]["manual"]
    assert attach["pathMappings"] == [{"localRoot": f"{REPO}/app", "remoteRoot": f"{sync['dest']}/app"}]
    assert dockerfile.stages["base"].last("WORKDIR") == sync["dest"]
    # Each save starts a new worker process: the IDE must follow it.
    assert attach["subProcess"] is True
