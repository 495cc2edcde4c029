#!/bin/sh
# Builds the three images from a packed tsinit and checks them where a Docker engine runs:
# the command's exit code comes through, a zombie is reaped, SIGTERM reaches the command.
set -eu
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1; then
  echo "docker/smoke-test.sh: no Docker engine here; nothing built" >&2
  exit 0
fi
npm run build:native:all
context=$(mktemp -d)
cp "$(npm pack --pack-destination "$context" | tail -n 1 | sed "s#^#$context/#")" "$context/tsinit.tgz"
for flavour in debian alpine distroless; do
  image="tsinit-smoke-$flavour"
  docker build -q -f "docker/$flavour.Dockerfile" -t "$image" "$context" >/dev/null
  node=node
  [ "$flavour" != distroless ] || node=/nodejs/bin/node
  status=0
  docker run --rm "$image" "$node" -e 'process.exit(7)' || status=$?
  [ "$status" = 7 ] || { echo "$flavour: exit code $status, want 7" >&2; exit 1; }
  zombies=$(docker run --rm "$image" "$node" -e '
    const { spawn } = require("child_process");
    spawn("/bin/sh", ["-c", "sleep 0 & exit 0"], { stdio: "ignore" }); // the sleep becomes an orphan
    setTimeout(() => {
      const fs = require("fs");
      const z = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => / Z /.test(fs.readFileSync(`/proc/${p}/stat`, "utf8")));
      console.log(z.length);
    }, 500);' 2>/dev/null || echo "?")
  [ "$flavour" = distroless ] || [ "$zombies" = 0 ] || { echo "$flavour: $zombies zombies" >&2; exit 1; }
  container=$(docker run -d "$image" "$node" -e 'process.on("SIGTERM", () => process.exit(42)); setInterval(() => {}, 1000)')
  sleep 1
  docker stop -t 5 "$container" >/dev/null
  status=$(docker inspect -f '{{.State.ExitCode}}' "$container")
  docker rm "$container" >/dev/null
  [ "$status" = 42 ] || { echo "$flavour: SIGTERM gave exit code $status, want 42" >&2; exit 1; }
  echo "$flavour: ok"
done
