"""What API tests present: the headers of the bootstrap tokens the test settings hold, and the
Standard Webhooks secret the API settings verify gateway webhooks with."""

BOOTSTRAP_TOKENS = "backend:test-backend,ops:test-ops,admin:test-admin"
BACKEND = {"Authorization": "Bearer test-backend"}
OPS = {"Authorization": "Bearer test-ops"}
ADMIN = {"Authorization": "Bearer test-admin"}
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
