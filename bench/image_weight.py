"""Figure 5: the bytes each image target adds on top of its base image."""

from tests.support.docker import base_image, image_size

MB = 1_000_000


def run(images):
    """Size of each target minus the size of the base it was built on."""
    base = image_size(base_image())
    added = {target: image_size(image) - base for target, image in images.items()}
    print(f"5. image weight above the base ({base_image()}, {base / MB:.1f} MB)")
    for target, size in added.items():
        print(f"   {target:<5} +{size / MB:.1f} MB")
    return {"base_image": base_image(), "base_bytes": base, "added_bytes": added}
