#!/usr/bin/env bash
# Start a local OCI Distribution v2 registry (Debian's docker-registry) on loopback, idempotently.
#
#   DAGSEAL_REGISTRY_ADDR  host:port to listen on            (default 127.0.0.1:5000)
#   DAGSEAL_REGISTRY_DIR   where blobs and state are stored  (default /var/tmp/dagseal-registry)
#   DAGSEAL_REGISTRY_AUTH  "" (default: plain HTTP, anonymous; the loopback registry the suite uses)
#                          or "htpasswd": TLS with a certificate from a CA this script generates
#                          once in $DIR/tls (openssl), and htpasswd (bcrypt) authentication:
#   DAGSEAL_REGISTRY_PUSH_USER / _PUSH_PASSWORD   CI's credentials   (default push / dagseal-push)
#   DAGSEAL_REGISTRY_PULL_USER / _PULL_PASSWORD   workers' credentials (default pull / dagseal-pull)
#
# With htpasswd the CA is also installed as /etc/docker/certs.d/<addr>/ca.crt, where the engine
# (and dagseal, and skopeo through it) look for a registry's CA; hosts log in with
# `docker login <addr>` (or any Docker client config) to hold their credentials. Distribution's
# htpasswd authenticates but cannot authorise: any listed user may push; anonymous access is refused.
#
# Prints the registry address on stdout (https://<addr> with TLS). Any other v2 registry works the
# same way with dagseal: the address is configuration, never hard-coded.
set -euo pipefail

addr="${DAGSEAL_REGISTRY_ADDR:-127.0.0.1:5000}"
dir="${DAGSEAL_REGISTRY_DIR:-/var/tmp/dagseal-registry}"
auth="${DAGSEAL_REGISTRY_AUTH:-}"
case "$addr" in
  127.*|localhost:*|\[::1\]:*) ;;
  *) if [ "$auth" != htpasswd ]; then  # only an authenticated TLS registry may face a network
       echo "start_registry: refusing to listen on non-loopback address $addr without DAGSEAL_REGISTRY_AUTH=htpasswd" >&2
       exit 2
     fi ;;
esac

case "$auth" in
  "") url="http://$addr"; shown="$addr"; answers=200 ;;
  htpasswd) url="https://$addr"; shown="https://$addr"; answers=401 ;;
  *) echo "start_registry: DAGSEAL_REGISTRY_AUTH must be empty or htpasswd, got $auth" >&2; exit 2 ;;
esac
tls="$dir/tls"

status() {  # the HTTP status of GET /v2/ (000 when nothing answers)
  curl -s -o /dev/null -w '%{http_code}' ${auth:+--cacert "$tls/ca.crt"} "$url/v2/" 2>/dev/null || true
}

if [ "$(status)" = "$answers" ]; then
  echo "$shown"
  exit 0
fi

if ! command -v docker-registry >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry >&2
fi

mkdir -p "$dir/data"
auth_yaml=""
if [ "$auth" = htpasswd ]; then
  command -v htpasswd >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends apache2-utils >&2
  host="${addr%:*}"
  san="IP:$host"
  [[ "$host" =~ ^[0-9.]+$ ]] || san="DNS:$host"
  mkdir -p "$tls"
  chmod 700 "$tls"
  if [ ! -f "$tls/ca.crt" ]; then
    openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=dagseal registry CA" \
      -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  fi
  openssl req -newkey rsa:3072 -nodes -subj "/CN=$host" -keyout "$tls/registry.key" \
    -out "$tls/registry.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$tls/registry.ext"
  openssl x509 -req -in "$tls/registry.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 825 -extfile "$tls/registry.ext" -out "$tls/registry.crt" 2>/dev/null
  htpasswd -Bbn "${DAGSEAL_REGISTRY_PUSH_USER:-push}" "${DAGSEAL_REGISTRY_PUSH_PASSWORD:-dagseal-push}" \
    > "$dir/htpasswd"
  htpasswd -Bbn "${DAGSEAL_REGISTRY_PULL_USER:-pull}" "${DAGSEAL_REGISTRY_PULL_PASSWORD:-dagseal-pull}" \
    >> "$dir/htpasswd"
  chmod 600 "$dir/htpasswd"
  mkdir -p "/etc/docker/certs.d/$addr"
  cp "$tls/ca.crt" "/etc/docker/certs.d/$addr/ca.crt"
  auth_yaml="auth:
  htpasswd:
    realm: dagseal
    path: $dir/htpasswd"
  tls_yaml="  tls:
    certificate: $tls/registry.crt
    key: $tls/registry.key"
fi
cat > "$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
${tls_yaml:-}
${auth_yaml}
YAML

nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
echo $! >"$dir/registry.pid"

for _ in $(seq 1 100); do
  if [ "$(status)" = "$answers" ]; then
    echo "$shown"
    exit 0
  fi
  sleep 0.1
done
echo "start_registry: registry did not answer on $url/v2/ within 10 s; see $dir/registry.log" >&2
exit 1
