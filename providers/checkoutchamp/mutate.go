package checkoutchamp

import (
	"context"
	"fmt"
	"net/url"

	"github.com/sequinsync/sequin/providers"
)

// mutate updates a customer through /customer/update/, which sets the given fields and is
// idempotent by nature. The API creates customers only as part of an order (a lead or a sale) and
// deletes none, so those mutations are not offered.
func (k *kind) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	if m.Kind != providers.MutationUpdate {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "checkoutchamp: " + k.name + " accepts only update mutations"}
	}
	if m.UpstreamID == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "an update needs the customer's id"}
	}
	p := url.Values{k.idParam: {m.UpstreamID}}
	for f, v := range m.Data {
		switch v := v.(type) {
		case nil:
			p.Set(f, "")
		case string:
			p.Set(f, v)
		case float64, bool, int, int64:
			p.Set(f, fmt.Sprint(v))
		default:
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "checkoutchamp: field " + f + " must be a string, number or boolean"}
		}
	}
	if _, err := call(ctx, s, "/customer/update/", p); err != nil {
		return nil, err
	}
	return k.get(ctx, s, m.UpstreamID)
}
