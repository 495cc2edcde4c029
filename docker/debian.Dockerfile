# tsinit on Debian slim, from the tarballs npm/pack.sh writes: tsinit.tgz, and the platform package
# as tsinit-platform.tgz (tsinit-pid1-linux-x64-gnu or -arm64-gnu). From the registry, the RUN line is
# `npm install -g tsinit-pid1`, which brings the platform package itself.
FROM node:20-bookworm-slim
COPY tsinit.tgz tsinit-platform.tgz /tmp/
RUN npm install -g --offline /tmp/tsinit.tgz /tmp/tsinit-platform.tgz && rm /tmp/tsinit*.tgz
ENTRYPOINT ["tsinit", "--"]
CMD ["sh", "-c", "echo hello from pid $$ under tsinit"]
