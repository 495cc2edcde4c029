# tsinit in a distroless image: no shell, no npm, so node runs tsinit's cli.js directly.
FROM node:20-bookworm-slim AS install
COPY tsinit.tgz /tmp/tsinit.tgz
RUN npm install --prefix /opt/tsinit /tmp/tsinit.tgz

FROM gcr.io/distroless/nodejs20-debian12
COPY --from=install /opt/tsinit /opt/tsinit
ENTRYPOINT ["/nodejs/bin/node", "/opt/tsinit/node_modules/tsinit/dist/cli.js", "--"]
CMD ["/nodejs/bin/node", "-e", "console.log('hello from pid', process.pid, 'under tsinit')"]
