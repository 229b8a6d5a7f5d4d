package stripe

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// encodeForm encodes data the way Stripe reads request bodies (application/x-www-form-urlencoded):
// nested objects as a[b]=v, arrays as a[0]=v and a[0][k]=v, booleans as "true"/"false", and nil as an
// empty value, which unsets the field (or, inside metadata, deletes the key). An empty object or array
// is also sent as an empty value. Keys are sorted, so the same data always encodes the same way, which
// matters to idempotency keys: Stripe refuses a key replayed with different parameters.
func encodeForm(data map[string]any) (string, error) {
	var b strings.Builder
	if err := appendForm(&b, "", data); err != nil {
		return "", err
	}
	return b.String(), nil
}

func appendForm(b *strings.Builder, prefix string, v any) error {
	key := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "[" + k + "]"
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 && prefix != "" {
			return appendPair(b, prefix, "")
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			if k == "" {
				return fmt.Errorf("stripe: form field %q has an empty key", prefix)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := appendForm(b, key(k), x[k]); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if len(x) == 0 {
			return appendPair(b, prefix, "")
		}
		for i, e := range x {
			if err := appendForm(b, key(strconv.Itoa(i)), e); err != nil {
				return err
			}
		}
		return nil
	}
	if prefix == "" {
		return fmt.Errorf("stripe: form data must be an object, not %T", v)
	}
	s, err := scalar(v)
	if err != nil {
		return fmt.Errorf("stripe: form field %s: %w", prefix, err)
	}
	return appendPair(b, prefix, s)
}

func appendPair(b *strings.Builder, k, v string) error {
	if b.Len() > 0 {
		b.WriteByte('&')
	}
	b.WriteString(url.QueryEscape(k))
	b.WriteByte('=')
	b.WriteString(url.QueryEscape(v))
	return nil
}

// scalar renders one value; other shapes (typed maps, slices and structs) are normalised through JSON
// first (see normalize).
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	case float64:
		return formatFloat(x)
	case float32:
		return formatFloat(float64(x))
	case int:
		return strconv.Itoa(x), nil
	case int8, int16, int32, int64:
		return strconv.FormatInt(reflect.ValueOf(x).Int(), 10), nil
	case uint, uint8, uint16, uint32, uint64:
		return strconv.FormatUint(reflect.ValueOf(x).Uint(), 10), nil
	case time.Time:
		return strconv.FormatInt(x.Unix(), 10), nil
	}
	return "", fmt.Errorf("unsupported value of type %T", v)
}

// formatFloat renders a number without an exponent; whole numbers (all JSON numbers decode as
// float64) render as integers.
func formatFloat(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("number %v cannot be sent", f)
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// normalize turns data into plain JSON shapes (map[string]any, []any, scalars) so that typed maps,
// slices and structs a caller passes encode like their JSON form.
func normalize(data map[string]any) (map[string]any, error) {
	plain := true
	var check func(v any)
	check = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				check(e)
			}
		case []any:
			for _, e := range x {
				check(e)
			}
		case nil, string, bool, json.Number, float64, float32, int, int8, int16, int32, int64,
			uint, uint8, uint16, uint32, uint64, time.Time:
		default:
			plain = false
		}
	}
	check(data)
	if plain {
		return data, nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("stripe: mutation data: %w", err)
	}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var out map[string]any
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("stripe: mutation data: %w", err)
	}
	return out, nil
}
