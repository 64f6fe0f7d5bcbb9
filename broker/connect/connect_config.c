/* connect_config: see connect_config.h. */
#include "connect_config.h"

#include <stddef.h>

#define F(name) offsetof(hr_connect_settings, name)

const hr_cfg_key hr_connect_config_keys[] = {
    {"brokers", HR_CFG_STRING, NULL, F(brokers), 0, 0, "Kafka bootstrap servers, host:port[,host:port...]."},
    {"listen", HR_CFG_STRING, "", F(listen), 0, 0,
     "Listeners (inpatient MLLP, custody and nrpf HTTPS): HOST:PORT to listen on; port 0 picks a free one."},
    {"tls_cert", HR_CFG_STRING, "", F(tls_cert), 0, 0,
     "Server certificate chain (PEM). Listeners speak TLS only; without a certificate they refuse to start "
     "unless insecure = true."},
    {"tls_key", HR_CFG_STRING, "", F(tls_key), 0, 0, "Server private key (PEM); empty = in tls_cert."},
    {"tls_client_ca", HR_CFG_STRING, "", F(tls_client_ca), 0, 0,
     "CA bundle (PEM) for client certificates (mutual TLS); when set, every client must present a certificate "
     "it signed, and the certificate's subject CN is the agency identity of what the client sends."},
    {"allowed_agencies", HR_CFG_STRING, "", F(allowed_agencies), 0, 0,
     "Client certificate CNs allowed to send, space or comma separated; empty = any the CA signed."},
    {"agency", HR_CFG_STRING, "", F(agency), 0, 0,
     "Agency identity for records when no client certificate names one (drop folders, TLS without client "
     "certificates)."},
    {"insecure", HR_CFG_BOOL, "false", F(insecure), 0, 0,
     "Allow a listener on plain TCP (local tests only: records then carry no verified identity)."},
    {"idle_timeout_ms", HR_CFG_UINT, "60000", F(idle_timeout_ms), 0, 86400000,
     "Close a connection that completes no message for this long (slow senders included); 0 = never."},
    {"max_connections", HR_CFG_UINT, "1000", F(max_connections), 1, 1000000, "Connections at once per listener."},
    {"max_message_bytes", HR_CFG_UINT, "1048576", F(max_message_bytes), 64, 1073741824,
     "Largest HL7 message or HTTP body; a larger one is refused (MLLP: AR, HTTP: 413) and the connection closed."},
    {"max_pending", HR_CFG_UINT, "256", F(max_pending), 1, 1000000,
     "MLLP: unanswered messages per connection before it stops reading."},
    {"max_outstanding", HR_CFG_UINT, "20000", F(max_outstanding), 1, 1000000,
     "Records produced and not yet acknowledged by Kafka before every listener stops reading (back-pressure)."},
    {"watch_dir", HR_CFG_STRING, "", F(watch_dir), 0, 0,
     "Drop folders: the directory watched; finished files go to DIR/done, rejected ones to DIR/failed."},
    {"state_file", HR_CFG_STRING, "", F(state_file), 0, 0,
     "Drop folders: the checkpoint file; empty = DIR/.hearth-connect.state."},
    {"settle_ms", HR_CFG_UINT, "1000", F(settle_ms), 0, 3600000,
     "Drop folders: a file is taken once unchanged for this long (or move files in with rename)."},
    {"batch", HR_CFG_UINT, "100000", F(batch), 1, 10000000, "Drop folders: records per checkpointed batch."},
};
const size_t hr_connect_config_nkeys = sizeof hr_connect_config_keys / sizeof hr_connect_config_keys[0];
