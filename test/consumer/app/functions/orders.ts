import { createOidcVerifier, withUserAnnotations } from 'user-impact-alerting/lambda';

export const handler = withUserAnnotations(
  async (event: { headers: Record<string, string> }, _context, { annotate, username }) => {
    annotate('operation', 'checkout');
    return { statusCode: 200, body: JSON.stringify({ username }) };
  },
  {
    verifier: createOidcVerifier({
      issuer: process.env.OIDC_ISSUER ?? 'https://login.example.com/',
      audience: 'orders-api',
    }),
  },
);
