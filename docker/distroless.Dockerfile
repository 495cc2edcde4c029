# tsinit in a distroless image: no shell, no npm, so node runs tsinit's cli.js directly. Installed
# from the tarballs npm/pack.sh writes: tsinit.tgz, and the platform package as tsinit-platform.tgz
# (tsinit-pid1-linux-x64-gnu or -arm64-gnu); from the registry, `npm install --prefix /opt/tsinit tsinit-pid1`.
FROM node:20-bookworm-slim AS install
COPY tsinit.tgz tsinit-platform.tgz /tmp/
RUN npm install --offline --prefix /opt/tsinit /tmp/tsinit.tgz /tmp/tsinit-platform.tgz

FROM gcr.io/distroless/nodejs20-debian12
COPY --from=install /opt/tsinit /opt/tsinit
ENTRYPOINT ["/nodejs/bin/node", "/opt/tsinit/node_modules/tsinit-pid1/dist/cli.js", "--"]
CMD ["/nodejs/bin/node", "-e", "console.log('hello from pid', process.pid, 'under tsinit')"]
