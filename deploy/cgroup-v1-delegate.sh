#!/usr/bin/env bash
# Hand this unit's own cgroup v1 directories to the runner's user (cgroup v1 hosts only).
#
# Installed as /usr/lib/sandpit/cgroup-v1-delegate and run by sandpit-runner.service as
# `ExecStartPre=+/usr/lib/sandpit/cgroup-v1-delegate USER` ("+": as root, in the unit's
# cgroup, before the runner starts).
#
# Why: on cgroup v2 `Delegate=yes` makes the unit's cgroup the runner's own subtree. On
# the legacy v1 hierarchy systemd still creates the unit's cgroup in every controller,
# but grants an unprivileged User= no access to it. The runner needs to create one job
# cgroup per controller below it (memory, pids, cpu, cpuacct). So: chown exactly the
# unit's directory in those four hierarchies — the directory, so USER may create and
# remove sub-cgroups, and none of its files, so USER can't change the limits systemd
# set on the unit itself (a job cgroup can never get more than its parent allows).
# The root cgroup of a hierarchy is never handed out.
set -euo pipefail

user="${1:?usage: cgroup-v1-delegate USER}"
id -u "$user" >/dev/null

# cgroup v2 (unified) host: systemd has delegated already; nothing to do.
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    echo "cgroup-v1-delegate: cgroup v2 host; delegation is systemd's (Delegate=yes)"
    exit 0
fi

# Mount point of the v1 hierarchy that carries controller $1 (from mountinfo: field 5
# is the mount point, the super options after " - cgroup cgroup " list controllers).
mount_of() {
    awk -v c="$1" '
        { split($0, halves, " - "); split(halves[2], post, " ");
          if (post[1] != "cgroup") next;
          n = split(post[3], opts, ",");
          for (i = 1; i <= n; i++) if (opts[i] == c) { split(halves[1], pre, " "); print pre[5]; exit } }
    ' /proc/self/mountinfo
}

# Our own cgroup path in the hierarchy of controller $1 (from /proc/self/cgroup).
path_of() {
    awk -F: -v c="$1" '{ n = split($2, cs, ","); for (i = 1; i <= n; i++) if (cs[i] == c) { print $3; exit } }' /proc/self/cgroup
}

for ctrl in memory pids cpu cpuacct; do
    mnt="$(mount_of "$ctrl")"
    path="$(path_of "$ctrl")"
    if [ -z "$mnt" ] || [ -z "$path" ]; then
        echo "cgroup-v1-delegate: controller $ctrl is not mounted; the runner's doctor will say what is missing" >&2
        continue
    fi
    if [ "$path" = / ]; then
        echo "cgroup-v1-delegate: this unit sits in the root $ctrl cgroup (is Delegate=yes set?); refusing to hand out the root" >&2
        exit 1
    fi
    dir="$mnt$path"
    chown "$user:" "$dir"
    echo "cgroup-v1-delegate: $dir -> $user"
done
