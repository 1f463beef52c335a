#!/usr/bin/env bash
# docker-chroot.sh runs the Dockerfile's build and runtime stages without a
# Docker engine: each FROM becomes a fresh debootstrap chroot of Debian
# bookworm (minbase, the contents of the debian:bookworm image; -slim also
# drops docs, man pages and locales like debian:bookworm-slim), and the
# stage's WORKDIR, ENV, COPY (also --from=STAGE), RUN and USER instructions
# are read from the Dockerfile and run in it, in order. It proves both stages
# work from nothing, then runs the runtime image's ENTRYPOINT as its USER:
# --version, --help, and Atrium serving a manifest folder until /readyz.
# It prints the runtime root filesystem's size (the image size estimate).
#
#   sudo scripts/docker-chroot.sh [WORKDIR]     (default /var/tmp/atrium-chroot)
#
# Heavy (two debootstraps, the whole dependency set, a release build): not part
# of CI. ATRIUM_CHROOT_JOBS (default 1) sets the build's parallelism (make's
# JOBS); everything runs under nice -n 19. The chroots are kept in WORKDIR
# (delete it to start over); mounts are always undone.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/var/tmp/atrium-chroot}
jobs=${ATRIUM_CHROOT_JOBS:-1}
mirror=${ATRIUM_CHROOT_MIRROR:-http://deb.debian.org/debian}
security=${ATRIUM_CHROOT_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

if [[ $(id -u) -ne 0 ]]; then
  echo "docker-chroot: needs root (debootstrap, chroot, mount)" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi

mounted=()
started=()
cleanup() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT

log() { printf '\n==> %s\n' "$*" >&2; }

mount_api() {  # /proc, /sys, /dev for a stage that runs commands
  local rootfs=$1
  mount -t proc proc "$rootfs/proc" && mounted+=("$rootfs/proc")
  mount --bind /sys "$rootfs/sys" && mounted+=("$rootfs/sys")
  mount --bind /dev "$rootfs/dev" && mounted+=("$rootfs/dev")
  mount --bind /dev/pts "$rootfs/dev/pts" && mounted+=("$rootfs/dev/pts")
  cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
}

unmount_api() {
  local rootfs=$1 keep=()
  for m in "${mounted[@]}"; do
    if [[ "$m" == "$rootfs"/* ]]; then :; else keep+=("$m"); fi
  done
  for sub in dev/pts dev sys proc; do umount -l "$rootfs/$sub" 2>/dev/null || true; done
  mounted=("${keep[@]}")
}

# new_rootfs DIR IMAGE: debootstrap the base image IMAGE into DIR.
new_rootfs() {
  local rootfs=$1 image=$2
  case "$image" in
    debian:bookworm | debian:bookworm-slim) ;;
    *) echo "docker-chroot: unsupported base image $image" >&2; exit 1 ;;
  esac
  rm -rf "$rootfs"
  log "FROM $image: debootstrap bookworm (minbase) into $rootfs"
  if [[ "$image" == debian:bookworm-slim ]]; then
    # debian:bookworm-slim's dpkg filter: no docs, man pages, locales.
    mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  fi
  nice -n 19 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.debootstrap.log" 2>&1 || {
    tail -20 "$rootfs.debootstrap.log" >&2
    exit 1
  }
  # The same apt sources as the official image.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  if [[ "$image" == debian:bookworm-slim ]]; then
    rm -rf "$rootfs"/usr/share/doc/*/[!c]* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
      "$rootfs"/usr/share/locale/*/ 2>/dev/null || true
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
}

# The Docker build context: the tree minus .dockerignore's patterns.
context=$(mktemp -d)
started=()
trap 'cleanup; rm -rf "$context"' EXIT
excludes=()
if [[ -f "$root/.dockerignore" ]]; then
  while IFS= read -r pattern; do
    [[ -z "$pattern" || "$pattern" == \#* ]] && continue
    excludes+=("--exclude=/${pattern%/}")
  done <"$root/.dockerignore"
fi
rsync -a "${excludes[@]}" "$root/" "$context/" 2>/dev/null || {
  tar -C "$root" "${excludes[@]/--exclude=\//--exclude=./}" -cf - . | tar -C "$context" -xf -
}

# Read the Dockerfile: join continuation lines, drop comments.
mapfile -t instructions < <(sed -e 's/[[:space:]]*$//' "$root/Dockerfile" | awk '
  /^[[:space:]]*#/ { next }
  { if (sub(/\\$/, "")) { buf = buf $0 " "; next } print buf $0; buf = "" }' | grep -v '^[[:space:]]*$')

declare -A stage_dir
stage=""
rootfs=""
workdir="/"
user="0:0"
envs=()
entrypoint=""
declare -A stage_user stage_entry

run_in() {  # run_in ROOTFS WORKDIR USER COMMAND
  local rfs=$1 wd=$2 usr=$3 cmd=$4
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    DEBIAN_FRONTEND=noninteractive JOBS="$jobs" "${envs[@]}" \
    nice -n 19 chroot --userspec="$usr" "$rfs" /bin/sh -c "mkdir -p '$wd' 2>/dev/null; cd '$wd' && $cmd"
}

finish_stage() {
  if [[ -n "$stage" ]]; then
    unmount_api "$rootfs"
    stage_user[$stage]=$user
    stage_entry[$stage]=$entrypoint
  fi
}

for line in "${instructions[@]}"; do
  read -r op rest <<<"$line"
  case "${op^^}" in
    FROM)
      finish_stage
      read -r image as name <<<"$rest"
      stage=${name:-stage${#stage_dir[@]}}
      rootfs="$work/$stage"
      stage_dir[$stage]=$rootfs
      workdir="/"; user="0:0"; envs=(); entrypoint=""
      mkdir -p "$work"
      new_rootfs "$rootfs" "$image"
      mount_api "$rootfs"
      ;;
    WORKDIR)
      workdir=$rest
      mkdir -p "$rootfs$workdir"
      ;;
    ENV)
      envs+=("${rest/ /=}")
      ;;
    COPY)
      from=""
      if [[ "$rest" == --from=* ]]; then
        from=${rest%% *}; from=${from#--from=}; rest=${rest#* }
      fi
      read -r -a parts <<<"$rest"
      dst=${parts[-1]}
      [[ "$dst" == /* ]] || dst="$workdir/$dst"
      for src in "${parts[@]:0:${#parts[@]}-1}"; do
        if [[ -n "$from" ]]; then
          srcpath="${stage_dir[$from]}/$src"
        else
          srcpath="$context/$src"
        fi
        log "[$stage] COPY ${from:+--from=$from }$src $dst"
        if [[ -d "$srcpath" ]]; then
          mkdir -p "$rootfs$dst"
          cp -a "$srcpath/." "$rootfs$dst/"
        else
          if [[ "$dst" == */ ]]; then mkdir -p "$rootfs$dst"; else mkdir -p "$(dirname "$rootfs$dst")"; fi
          cp -a "$srcpath" "$rootfs$dst"
        fi
      done
      ;;
    RUN)
      log "[$stage] RUN $rest"
      started_at=$(date +%s)
      run_in "$rootfs" "$workdir" "$user" "$rest"
      echo "    ($(($(date +%s) - started_at)) s)" >&2
      ;;
    USER)
      user=$rest
      [[ "$user" == *:* ]] || user="$user:$user"
      ;;
    ENTRYPOINT)
      entrypoint=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0])' "$rest")
      ;;
    EXPOSE | LABEL | CMD | ARG) ;;
    *)
      echo "docker-chroot: unsupported instruction: $line" >&2
      exit 1
      ;;
  esac
done
finish_stage

# The last stage is the image: run its entrypoint as its user.
final=$stage
rootfs=${stage_dir[$final]}
user=${stage_user[$final]}
entry=${stage_entry[$final]}
log "image = stage $final: ENTRYPOINT $entry as USER $user"
mount_api "$rootfs"
if chroot "$rootfs" ldd "$entry" | grep 'not found'; then
  echo "docker-chroot: the runtime stage lacks shared libraries" >&2
  exit 1
fi
chroot --userspec="$user" "$rootfs" "$entry" --version
chroot --userspec="$user" "$rootfs" "$entry" --help >/dev/null
mkdir -p "$rootfs/tmp/manifests"
cp "$root"/examples/quickstart/*.yaml "$rootfs/tmp/manifests/"
chmod -R a+rX "$rootfs/tmp/manifests"
admin_port=$((20000 + RANDOM % 20000))
chroot --userspec="$user" "$rootfs" "$entry" --manifests /tmp/manifests \
  --admin-address "127.0.0.1:$admin_port" --port-offset 30000 >"$work/runtime-atrium.log" 2>&1 &
started+=($!)
ready=""
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$admin_port/readyz" >/dev/null 2>&1; then ready=yes; break; fi
  if ! kill -0 "${started[0]}" 2>/dev/null; then break; fi
  sleep 0.1
done
kill "${started[0]}" 2>/dev/null || true
wait "${started[0]}" 2>/dev/null || true
started=()
if [[ -z "$ready" ]]; then
  echo "docker-chroot: atrium in the runtime stage never became ready:" >&2
  tail -20 "$work/runtime-atrium.log" >&2
  exit 1
fi
echo "runtime stage: atrium served examples/quickstart as user $user (/readyz 200)"
rm -rf "$rootfs/tmp/manifests"
unmount_api "$rootfs"

size=$(du -sx --block-size=1M "$rootfs" | cut -f1)
binary=$(du --block-size=1K "$rootfs$entry" | cut -f1)
echo "runtime image size estimate: ${size} MiB (root filesystem of stage $final; atrium binary ${binary} KiB)"
echo "build stage: $(du -sx --block-size=1M "${stage_dir[build]:-$rootfs}" | cut -f1) MiB"
