SUMMARY = "doorstation and the tools a door station is looked after with"
LICENSE = "MIT"

inherit packagegroup

RDEPENDS:${PN} = "doorstation \
                  socat \
                  alsa-utils \
                  v4l-utils \
                  gstreamer1.0 \
                 "
# The Pi camera through libcamera (meta-multimedia); USB cameras need only V4L2.
RRECOMMENDS:${PN} = "libcamera libcamera-gst"
