import { useId } from 'preact/hooks';
import { countries } from '../lib/countries.ts';
import type { Address } from '../lib/types.ts';
import { Field } from './field.tsx';

export const EMPTY_ADDRESS: Address = { line1: '', line2: '', city: '', postalCode: '', country: 'US', phone: '' };

/** The address fields (API.md's Address); `errors` are keyed by field name, from problem+json pointers. */
export function AddressFields({
  value,
  onChange,
  errors,
}: {
  value: Address;
  onChange: (next: Address) => void;
  errors: Record<string, string | undefined>;
}) {
  const countryId = useId();
  const set = (name: keyof Address) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    onChange({ ...value, [name]: e.currentTarget.value });
  return (
    <div class="address-fields">
      <Field
        label="Address"
        autoComplete="address-line1"
        required
        maxLength={200}
        value={value.line1}
        error={errors.line1}
        onInput={set('line1')}
      />
      <Field
        label="Apartment, suite (optional)"
        autoComplete="address-line2"
        maxLength={200}
        value={value.line2 ?? ''}
        error={errors.line2}
        onInput={set('line2')}
      />
      <div class="field-row">
        <Field
          label="City"
          autoComplete="address-level2"
          required
          maxLength={100}
          value={value.city}
          error={errors.city}
          onInput={set('city')}
        />
        <Field
          label="Postal code"
          autoComplete="postal-code"
          required
          maxLength={20}
          value={value.postalCode}
          error={errors.postalCode}
          onInput={set('postalCode')}
        />
      </div>
      <div class="field">
        <label for={countryId}>Country</label>
        <select id={countryId} autoComplete="country" value={value.country} onChange={set('country')}>
          {countries().map((c) => (
            <option key={c.code} value={c.code}>
              {c.name}
            </option>
          ))}
        </select>
        {errors.country && <p class="field-error">{errors.country}</p>}
      </div>
      <Field
        label="Phone (optional)"
        type="tel"
        autoComplete="tel"
        maxLength={30}
        value={value.phone ?? ''}
        error={errors.phone}
        onInput={set('phone')}
      />
    </div>
  );
}

/** The address as the API takes it: empty optional fields left out. */
export function cleanAddress(address: Address): Address {
  const out: Address = {
    line1: address.line1.trim(),
    city: address.city.trim(),
    postalCode: address.postalCode.trim(),
    country: address.country,
  };
  if (address.line2?.trim()) out.line2 = address.line2.trim();
  if (address.phone?.trim()) out.phone = address.phone.trim();
  return out;
}

/** Field errors under `prefix` (`shippingAddress.city` → `city`). */
export function errorsUnder(errors: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, detail] of Object.entries(errors)) if (key.startsWith(`${prefix}.`)) out[key.slice(prefix.length + 1)] = detail;
  return out;
}
