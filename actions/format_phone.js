// Node.js 24 twin of format_phone.py: pure, no API calls, no secrets.
// HubSpot gives each input as a string; an unset property arrives as null.
const COUNTRY_CODES = { US: '1', CA: '1', GB: '44', FR: '33', DE: '49', AU: '61' };

exports.main = async (event) => {
  const raw = event.inputFields.phone || '';
  const country = (event.inputFields.country || 'US').toUpperCase();
  let digits = raw.replace(/\D/g, '');
  const code = COUNTRY_CODES[country] || '1';
  if (digits.startsWith('00')) {
    digits = digits.slice(2);
  } else if (digits.startsWith(code) && digits.length > 10) {
    digits = digits.slice(code.length);
  }
  const valid = digits.length >= 7 && digits.length <= 12;
  const e164 = valid ? `+${code}${digits}` : '';
  console.log(`formatted '${raw}' for ${country}: ${e164 || 'invalid'}`);
  return {
    outputFields: {
      phone_e164: e164,
      phone_valid: valid ? 'yes' : 'no',
    },
  };
};
