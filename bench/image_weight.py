"""Figure 5: the bytes each image target adds on top of its base image, as stored and as pulled."""

import gzip
import json
import subprocess
import tarfile
import tempfile

from harness.docker import base_image, docker, image_size

MB = 1_000_000


def layer_ids(image):
    """The diff IDs of an image's layers."""
    return json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", image))


def compressed_bytes(image, skip):
    """Gzip-compressed bytes of the image's layers that are not in skip: what a registry
    would send for them."""
    with tempfile.TemporaryFile() as saved:
        subprocess.run(["docker", "save", image], stdout=saved, check=True, timeout=300)
        saved.seek(0)
        with tarfile.open(fileobj=saved) as archive:
            manifest = json.load(archive.extractfile("manifest.json"))[0]
            diff_ids = json.load(archive.extractfile(manifest["Config"]))["rootfs"]["diff_ids"]
            return sum(len(gzip.compress(archive.extractfile(layer).read(), 6))
                       for layer, diff in zip(manifest["Layers"], diff_ids) if diff not in skip)


def run(images):
    """Size of each target minus the size of the base it was built on; and the compressed
    size of the layers it adds, which is what a cluster pulls once the base is cached."""
    base = image_size(base_image())
    base_layers = set(layer_ids(base_image()))
    added, pulled = {}, {}
    print(f"5. image weight above the base ({base_image()}, {base / MB:.1f} MB)")
    for target, image in images.items():
        added[target] = image_size(image) - base
        pulled[target] = compressed_bytes(image, base_layers)
        print(f"   {target:<5} +{added[target] / MB:.1f} MB, {pulled[target] / MB:.1f} MB compressed")
    return {"base_image": base_image(), "base_bytes": base, "added_bytes": added, "added_compressed_bytes": pulled}
