# tsinit on Alpine (musl): the same package loads its linux-<arch>-musl addon.
FROM node:20-alpine
COPY tsinit.tgz /tmp/tsinit.tgz
RUN npm install -g /tmp/tsinit.tgz && rm /tmp/tsinit.tgz
ENTRYPOINT ["tsinit", "--"]
CMD ["sh", "-c", "echo hello from pid $$ under tsinit"]
