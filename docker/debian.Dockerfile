# tsinit on Debian slim. Built by docker/smoke-test.sh from a packed tarball; from the registry,
# the RUN line is `npm install -g tsinit`.
FROM node:20-bookworm-slim
COPY tsinit.tgz /tmp/tsinit.tgz
RUN npm install -g /tmp/tsinit.tgz && rm /tmp/tsinit.tgz
ENTRYPOINT ["tsinit", "--"]
CMD ["sh", "-c", "echo hello from pid $$ under tsinit"]
