SUMMARY = "SIP door station: a button rings the home screens, which see the door camera while they ring"
DESCRIPTION = "doorstation rings SIP home screens when the door button is pressed, \
streams the camera to every ringing screen as early media, gives the one that \
answers two-way audio, and opens the door on a DTMF code. Driven by GPIO and \
by a linphone-daemon compatible control socket."
SECTION = "net"
# doorstation itself, then its npm dependencies (MIT; smol-toml BSD-3-Clause).
LICENSE = "GPL-3.0-or-later & MIT & BSD-3-Clause"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/GPL-3.0-or-later;md5=1c76c4cc354acaac30ed4d5eefea7245 \
                    file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302 \
                    file://${COMMON_LICENSE_DIR}/BSD-3-Clause;md5=550794465ba0ec5312d6919e203a55f9"

# The repository this layer sits in: the newest commit of its branch `main`
# (DOORSTATION_BRANCH), not whatever commit is checked out. Point
# DOORSTATION_GIT at a published clone and set SRCREV for a release build.
DOORSTATION_REPO ?= "${@os.path.normpath(d.getVar('DOORSTATION_LAYERDIR') + '/../..')}"
DOORSTATION_BRANCH ?= "main"
DOORSTATION_GIT ?= "git://${DOORSTATION_REPO};protocol=file;branch=${DOORSTATION_BRANCH}"
SRCREV ?= "${AUTOREV}"
PV = "0.1.0+git"

# npm-shrinkwrap.json is made from the repository's package-lock.json by
# scripts/update-shrinkwrap (see README.md). dev=1: it also lists the build
# tools tsc needs (typescript and the @types packages), unpacked into
# ${S}/node_modules and removed again from the image in do_install.
SRC_URI = "${DOORSTATION_GIT} \
           npmsw://${THISDIR}/files/npm-shrinkwrap.json;dev=1;destsuffix=git \
           file://99-doorstation-gpio.rules \
          "
S = "${WORKDIR}/git"

inherit npm systemd useradd pkgconfig

# gstreamer-superficial compiles a native addon against GStreamer.
DEPENDS += "gstreamer1.0 gstreamer1.0-plugins-base"

# Without the shrinkwrap only this recipe is skipped (bb.fatal would stop
# the parse of every image); building doorstation-image then says why.
python __anonymous() {
    import os
    sw = os.path.join(d.getVar('THISDIR'), 'files', 'npm-shrinkwrap.json')
    if not os.path.exists(sw):
        raise bb.parse.SkipRecipe("%s is missing: run yocto/meta-doorstation/scripts/update-shrinkwrap (see meta-doorstation/README.md)" % sw)
}

# The shrinkwrap's packages marked "dev": the build tools, which the image
# must not carry (typescript alone is 23 MB).
def doorstation_build_tools(d):
    import json, os
    sw = os.path.join(d.getVar('THISDIR'), 'files', 'npm-shrinkwrap.json')
    if not os.path.exists(sw):
        return ''
    with open(sw) as f:
        packages = json.load(f).get('packages', {})
    return ' '.join(sorted(p for p, v in packages.items() if p and v.get('dev')))
DOORSTATION_BUILD_TOOLS = "${@doorstation_build_tools(d)}"

# The npm class packs ${S} as it is and installs that with the production
# dependencies only (NPM_INSTALL_DEV stays 0), so the JavaScript must be
# compiled before it packs: with typescript from ${S}/node_modules, called
# by path since the fetcher creates no node_modules/.bin links.
python do_configure:prepend() {
    import subprocess
    env = dict(os.environ, PATH=d.getVar('PATH'), HOME=d.getVar('WORKDIR'))
    subprocess.run(['node', 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
                   cwd=d.getVar('S'), env=env, check=True)
    if not os.path.exists(os.path.join(d.getVar('S'), 'dist', 'cli.js')):
        bb.fatal('npm run build produced no dist/cli.js')
}

do_install:append() {
    app=${D}${nonarch_libdir}/node_modules/doorstation
    # The npm class installs the whole source tree; keep what runs.
    find $app -mindepth 1 -maxdepth 1 ! -name dist ! -name node_modules \
        ! -name package.json ! -name README.md -exec rm -rf {} +
    chmod 0755 $app/dist/cli.js
    # What `npm prune --omit=dev` would do, by the shrinkwrap's own list.
    for tool in ${DOORSTATION_BUILD_TOOLS}; do
        rm -rf $app/$tool
    done
    find $app/node_modules -xtype l -delete
    rmdir $app/node_modules/@types 2>/dev/null || true

    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${S}/systemd/doorstation.socket ${S}/systemd/doorstation.service \
        ${D}${systemd_system_unitdir}/

    # The config holds the SIP password and the door code: the service user
    # only (group doorstation is the control socket's, who may open the door).
    install -d -m 0755 ${D}${sysconfdir}/doorstation
    install -m 0600 -o doorstation -g doorstation ${S}/config/doorstation.toml \
        ${D}${sysconfdir}/doorstation/doorstation.toml

    install -d ${D}${nonarch_base_libdir}/udev/rules.d
    install -m 0644 ${WORKDIR}/99-doorstation-gpio.rules ${D}${nonarch_base_libdir}/udev/rules.d/
}

SYSTEMD_SERVICE:${PN} = "doorstation.socket doorstation.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

USERADD_PACKAGES = "${PN}"
# video and audio come with base-passwd; gpio does not.
GROUPADD_PARAM:${PN} = "--system doorstation; --system gpio"
USERADD_PARAM:${PN} = "--system --gid doorstation --groups gpio,video,audio \
                       --home-dir ${localstatedir}/lib/doorstation --no-create-home \
                       --shell ${base_sbindir}/nologin doorstation"

CONFFILES:${PN} = "${sysconfdir}/doorstation/doorstation.toml"
FILES:${PN} += "${systemd_system_unitdir} ${nonarch_base_libdir}/udev/rules.d"

# The media pipelines: test sources, RTP, Opus/mu-law/A-law, V4L2 (the Pi's
# hardware H.264 encoder is v4l2h264enc), SRTP and webrtcdsp (bad), x264enc
# as the software H.264 fallback (ugly, which needs
# LICENSE_FLAGS_ACCEPTED += "commercial").
RDEPENDS:${PN} += "nodejs \
                   systemd \
                   gstreamer1.0 \
                   gstreamer1.0-plugins-base-meta \
                   gstreamer1.0-plugins-good-meta \
                   gstreamer1.0-plugins-bad-meta \
                   gstreamer1.0-plugins-ugly-meta \
                  "
RRECOMMENDS:${PN} += "gstreamer1.0-libav"
