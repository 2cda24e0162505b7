#!/usr/bin/env bash
# The runner container's entry point (/usr/lib/sandpit/runner-entrypoint):
#   1. Docker mounts the container's cgroup file system read-only unless the container
#      is privileged. The runner must create a cgroup per job, so with CAP_SYS_ADMIN
#      (and its own cgroup namespace, `cgroup: private`, so only the container's own
#      subtree is visible) remount it read-write. Nothing else is remounted.
#   2. `sandpit-runner doctor`: every protection layer present and every profile runs a
#      program end to end, or the container stops here with the doctor's report.
#   3. exec the worker, which becomes PID 1 and handles SIGTERM (finish jobs, exit).
set -euo pipefail
policies="${SANDPIT_POLICIES_DIR:-/etc/sandpit/policies}"

# Mount points of cgroup file systems that are mounted read-only.
ro_cgroup_mounts() {
    awk '{ split($0, h, " - "); split(h[1], pre, " "); split(h[2], post, " ");
           if ((post[1] == "cgroup" || post[1] == "cgroup2") && pre[6] ~ /(^|,)ro(,|$)/) print pre[5] }' /proc/self/mountinfo
}
for m in $(ro_cgroup_mounts); do
    if mount -o remount,rw "$m" 2>/dev/null; then
        echo "runner-entrypoint: remounted $m read-write (the runner creates one cgroup per job)"
    else
        echo "runner-entrypoint: $m is read-only and could not be remounted; jobs need a writable" \
             "cgroup (see docs/deploy.md, \"Containers\")" >&2
    fi
done

sandpit-runner doctor --policies "$policies"
exec sandpit-runner work --policies "$policies"
