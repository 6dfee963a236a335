"""Validates a JWT SVID with PyJWT, independently of wi-aws: RS256 only, the key chosen by
`kid` from the JWKS, exact issuer and audience, expiry enforced, and the expected subject.

usage: crosscheck_jwt.py TOKEN_FILE JWKS_FILE ISSUER AUDIENCE SUBJECT
"""
import json
import sys

import jwt

token_file, jwks_file, issuer, audience, subject = sys.argv[1:6]
token = open(token_file).read().strip()
jwks = jwt.PyJWKSet.from_dict(json.load(open(jwks_file)))
kid = jwt.get_unverified_header(token)["kid"]
key = next(k for k in jwks.keys if k.key_id == kid)
claims = jwt.decode(
    token,
    key.key,
    algorithms=["RS256"],
    audience=audience,
    issuer=issuer,
    options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
)
assert claims["sub"] == subject, claims
print("PyJWT accepts the token:", json.dumps(claims, sort_keys=True))
