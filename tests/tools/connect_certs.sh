# make_certs DIR: a throwaway CA, a server certificate for localhost/127.0.0.1, and client
# certificates whose subject CN is an agency identity: HMPPS-CUSTODY, RX1-PAS (allowed in the
# tests) and ROGUE (signed by the same CA, not allowed). Sourced by tests/e2e/connect_*.sh.
make_certs() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Hearth test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || fail "openssl could not make the CA"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null || fail "openssl could not sign the server certificate"
  local cn
  for cn in HMPPS-CUSTODY RX1-PAS ROGUE; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$d/$cn.key" -out "$d/$cn.csr" 2>/dev/null
    openssl x509 -req -in "$d/$cn.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
      -out "$d/$cn.pem" 2>/dev/null || fail "openssl could not sign $cn"
  done
}
