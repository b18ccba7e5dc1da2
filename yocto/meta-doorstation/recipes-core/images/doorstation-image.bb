SUMMARY = "A headless Raspberry Pi door station: doorstation on systemd, reachable by SSH"
LICENSE = "MIT"

inherit core-image

IMAGE_FEATURES += "ssh-server-dropbear"
IMAGE_INSTALL:append = " packagegroup-doorstation"

# doorstation is started by systemd (socket activation, watchdog).
REQUIRED_DISTRO_FEATURES = "systemd"
inherit features_check
