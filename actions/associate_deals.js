// NODE20X callback style: associates the enrolled contact with each deal its deal_ids input
// lists. callback() is called before the promises settle, as several of HubSpot's samples
// do: HubSpot (Lambda) ends the run only once the event loop is empty, so the associations
// are still made and logged.
const hubspot = require('@hubspot/api-client');

exports.main = (event, callback) => {
  const client = new hubspot.Client({ accessToken: process.env.TEST_SECRET });
  const contactId = String(event.object.objectId);
  const dealIds = String(event.inputFields.deal_ids || '')
    .split(';')
    .map((id) => id.trim())
    .filter(Boolean);

  dealIds.forEach((dealId) => {
    client.crm.associations.v4.basicApi
      .createDefault('contacts', contactId, 'deals', dealId)
      .then(() => console.log(`associated contact ${contactId} with deal ${dealId}`))
      .catch((err) => console.error(`deal ${dealId}: ${err.code} ${err.message}`));
  });

  callback({ outputFields: { deal_count: dealIds.length } });
};
