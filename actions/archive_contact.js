// Node.js 24 twin of archive_contact.py: archives the enrolled contact through
// @hubspot/api-client with a private app token.
const hubspot = require('@hubspot/api-client');

exports.main = async (event) => {
  const client = new hubspot.Client({ accessToken: process.env.TEST_SECRET });
  const contactId = String(event.object.objectId);
  const email = event.inputFields.email;
  try {
    await client.crm.contacts.basicApi.archive(contactId);
  } catch (err) {
    console.log(`archiving contact ${contactId} (${email}) failed: ${err.code} ${JSON.stringify(err.body)}`);
    // Re-throw so HubSpot retries on a rate limit (429) or a server error (5xx).
    throw err;
  }
  console.log(`archived contact ${contactId} (${email})`);
  return { outputFields: { archived: true, contact_id: contactId } };
};
