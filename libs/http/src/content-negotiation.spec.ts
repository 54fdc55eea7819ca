import { negotiatedMediaType } from './content-negotiation';
import { NotAcceptableProblem } from './problems';

const OFFERED = ['application/json', 'text/vnd.mermaid', 'text/vnd.graphviz'] as const;

describe('the media type an answer is sent in', () => {
  it.each([
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['text/*', 'text/vnd.mermaid'],
    ['text/vnd.graphviz', 'text/vnd.graphviz'],
    ['application/json;q=0.5, text/vnd.graphviz', 'text/vnd.graphviz'],
    ['text/vnd.mermaid;q=0, */*;q=0.1', 'application/json'],
    ['TEXT/VND.MERMAID', 'text/vnd.mermaid'],
  ])('Accept %p gets %s', (accept, expected) => {
    expect(negotiatedMediaType(accept, OFFERED)).toBe(expected);
  });

  it('is a 406 naming what there is when the header takes none of them', () => {
    for (const accept of ['text/html', 'image/*', 'application/json;q=0']) {
      const refusal = (() => {
        try {
          negotiatedMediaType(accept, OFFERED);
        } catch (error) {
          return error;
        }
      })();
      expect(refusal).toBeInstanceOf(NotAcceptableProblem);
      expect((refusal as NotAcceptableProblem).status).toBe(406);
      expect((refusal as Error).message).toContain('application/json, text/vnd.mermaid, text/vnd.graphviz');
    }
  });
});
