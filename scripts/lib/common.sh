# Shared by the scripts: messages, installing Debian packages when missing,
# and a free loopback port. Source it; set SCRIPT_NAME first for the prefix.

say() { printf '\033[1m[kefu %s]\033[0m %s\n' "${SCRIPT_NAME:-script}" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

apt_updated=
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    die "missing $*; install it with: sudo apt-get install $* (or run this script as root)"
  fi
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
