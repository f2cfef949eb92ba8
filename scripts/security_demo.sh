#!/bin/sh
# The lockout and the token lifecycle against a running `make run` (README, "Security").
#   PASSWORD=<the reviewer password make run printed> sh scripts/security_demo.sh
# BASE (default http://127.0.0.1:8000) and LOGIN (default reviewer) change the target.
set -eu
BASE=${BASE:-http://127.0.0.1:8000}
LOGIN=${LOGIN:-reviewer}
: "${PASSWORD:?set PASSWORD to the reviewer password make run printed}"
PY=${PY:-.venv/bin/python}
JAR=$(mktemp) PAGE=$(mktemp)
trap 'rm -f "$JAR" "$PAGE"' EXIT

sign_in() {  # sign_in PASSWORD: GET the form (CSRF cookie), POST it; prints the HTTP status
    curl -s -c "$JAR" -b "$JAR" -o /dev/null "$BASE/admin/login/"
    csrf=$(awk '$6 == "csrftoken" {print $7}' "$JAR")
    curl -s -c "$JAR" -b "$JAR" -o "$PAGE" -w '%{http_code}' -X POST "$BASE/admin/login/?next=/admin/" \
        -H "Referer: $BASE/admin/login/" --data-urlencode "csrfmiddlewaretoken=$csrf" \
        --data-urlencode "username=$LOGIN" --data-urlencode "password=$1"
}
said() { sed -e 's/<[^>]*>//g' "$PAGE" | tr -s ' \n' ' ' | grep -o 'Sign-in is locked[^.]*\.\|Try again after [^)]*)' || true; }

echo "== lockout (LOGIN_FAILURE_LIMIT=5 by default)"
for n in 1 2 3 4 5; do echo "wrong password $n -> $(sign_in "wrong-$n")"; done
said
echo "right password during the cool-off -> $(sign_in "$PASSWORD")"
said
echo "an editor lifts it (admin: Axes > Access attempts), or: manage.py axes_reset_username $LOGIN"
$PY manage.py axes_reset_username "$LOGIN"
echo "right password -> $(sign_in "$PASSWORD") (302: signed in)"

echo "== token lifecycle"
TOKEN=$($PY manage.py create_api_token demo-tool --role newsroom --name "demo cms" --expires-in 30)
echo "created (shown once): ${TOKEN%"${TOKEN#????????}"}..."
echo "Token scheme  -> $(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/claims/?page_size=1" -H "Authorization: Token $TOKEN")"
echo "Bearer scheme -> $(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/claims/?page_size=1" -H "Authorization: Bearer $TOKEN")"
$PY manage.py revoke_api_token demo-tool --name "demo cms"
echo "after revocation -> $(curl -s -w ' %{http_code}' "$BASE/api/claims/" -H "Authorization: Token $TOKEN")"
