"""The built-in senders against local servers that check them with independent code: FCM HTTP
v1 (the service-account assertion verified by PyJWT over cryptography), APNs over HTTP/2 (a
server on the h2 library verifying the ES256 provider token), and Amazon SNS (the Signature
Version 4 recomputed by botocore)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import h2.config
import h2.connection
import h2.events
import jwt
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import plinto
from conftest import PASSWORD, new_client, unique_email
from plinto.push_phone import push_phone_key, push_registration


def pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def phone_user(client: plinto.Plinto, platform: str, token: str) -> Tuple[str, str]:
    """A user whose only factor is a phone of `platform` with push `token`; returns (user id,
    pending session)."""
    auth = client.auth_sync
    email = unique_email()
    user = auth.sign_up(email, PASSWORD).user
    uri = auth.enable_mfa(user_id=user.id, method="push").qr_code_url or ""
    key = push_phone_key()
    device = auth.mfa.register_push_device(push_registration(uri, key.private_key, platform, push_token=token).message)
    assert auth.verify_mfa(user_id=user.id, method="push", code=device.confirmation_code).success
    return user.id, auth.sign_in(email, PASSWORD).session_id or ""


# --- FCM ---------------------------------------------------------------------------------


class Fcm:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.token_requests = 0
        self.messages: List[Dict[str, Any]] = []


@pytest.fixture
def fcm() -> Iterator[Tuple[Fcm, str]]:
    state = Fcm()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def reply(self, status: int, body: Dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["content-length"]))
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/token":
                form = urllib.parse.parse_qs(raw.decode())
                assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
                claims = jwt.decode(
                    form["assertion"][0],
                    state.key.public_key(),
                    algorithms=["RS256"],
                    audience=f"{base}/token",
                )
                assert claims["iss"] == "push@demo.iam.gserviceaccount.com"
                assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
                assert claims["exp"] - claims["iat"] == 3600
                state.token_requests += 1
                self.reply(200, {"access_token": "ya29.local", "expires_in": 3599, "token_type": "Bearer"})
                return
            assert self.path == "/v1/projects/demo/messages:send"
            assert self.headers["authorization"] == "Bearer ya29.local"
            message = json.loads(raw)["message"]
            state.messages.append(message)
            if message["token"] == "misrouted":
                # What a wrong project or URL looks like: a bare 404, no word on the token.
                self.reply(404, {"error": {"code": 404, "status": "NOT_FOUND"}})
                return
            if message["token"] == "dead":
                self.reply(404, {"error": {"code": 404, "status": "NOT_FOUND", "details": [
                    {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}})
                return
            self.reply(200, {"name": "projects/demo/messages/1"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fcm_gets_a_token_once_and_a_data_message_with_the_challenge_id(tmp_path: Path, fcm: Tuple[Fcm, str]) -> None:
    state, base = fcm
    client = new_client(tmp_path, delivery={"fcm": {
        "project_id": "demo",
        "client_email": "push@demo.iam.gserviceaccount.com",
        "private_key": pem(state.key),
        "token_uri": f"{base}/token",
        "base_url": base,
    }})
    _, pending = phone_user(client, "android", "tok-1")
    challenge = client.auth_sync.mfa.push_challenge(pending)
    assert challenge.delivered == 1
    message = state.messages[-1]
    assert message["token"] == "tok-1"
    assert message["data"] == {"type": "plinto_push", "challengeId": challenge.challenge_id}
    assert message["android"]["priority"] == "HIGH"
    assert challenge.number not in json.dumps(message)

    # A token FCM no longer knows turns the device to polling; the access token was reused.
    user_id, pending = phone_user(client, "android", "dead")
    assert client.auth_sync.mfa.push_challenge(pending).delivered == 0
    assert client.auth_sync.get_mfa_status(user_id).push_devices[0].poll_only
    assert state.token_requests == 1

    # A failure that says nothing of the token (a misrouted request) keeps it.
    user_id, pending = phone_user(client, "android", "misrouted")
    assert client.auth_sync.mfa.push_challenge(pending).delivered == 0
    assert not client.auth_sync.get_mfa_status(user_id).push_devices[0].poll_only


# --- APNs --------------------------------------------------------------------------------


#: APNs device tokens are hex: one that works, one APNs says is gone.
LIVE_APNS = "a1b2c3d4" * 8
DEAD_APNS = "dead" * 16


def serve_h2(sock: socket.socket, public_key: Any, seen: List[Dict[str, Any]]) -> None:
    """Answers HTTP/2 requests (prior knowledge, one connection each) as APNs would."""
    while True:
        try:
            conn_sock, _ = sock.accept()
        except OSError:
            return
        with conn_sock:
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
            conn.initiate_connection()
            conn_sock.sendall(conn.data_to_send())
            headers: Dict[int, Dict[str, str]] = {}
            bodies: Dict[int, bytes] = {}
            while True:
                data = conn_sock.recv(65535)
                if not data:
                    break
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        headers[event.stream_id] = dict(event.headers)
                    elif isinstance(event, h2.events.DataReceived):
                        bodies[event.stream_id] = bodies.get(event.stream_id, b"") + event.data
                        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded):
                        h = headers[event.stream_id]
                        token = h["authorization"].removeprefix("bearer ")
                        assert jwt.get_unverified_header(token)["kid"] == "KEY1234567"
                        claims = jwt.decode(token, public_key, algorithms=["ES256"])
                        assert claims["iss"] == "TEAM123456" and abs(claims["iat"] - time.time()) < 60
                        seen.append({"headers": h, "body": json.loads(bodies.get(event.stream_id, b"{}"))})
                        if h[":path"].endswith("/" + DEAD_APNS):
                            conn.send_headers(event.stream_id, [(":status", "410"), ("content-type", "application/json")])
                            conn.send_data(event.stream_id, b'{"reason":"Unregistered"}', end_stream=True)
                        else:
                            conn.send_headers(event.stream_id, [(":status", "200")], end_stream=True)
                conn_sock.sendall(conn.data_to_send())


def test_apns_gets_an_http2_request_with_an_es256_provider_token(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    seen: List[Dict[str, Any]] = []
    threading.Thread(target=serve_h2, args=(sock, key.public_key(), seen), daemon=True).start()
    client = new_client(tmp_path, delivery={"apns": {
        "team_id": "TEAM123456",
        "key_id": "KEY1234567",
        "private_key": pem(key),
        "topic": "com.example.app",
        "base_url": f"http://127.0.0.1:{sock.getsockname()[1]}",
    }})
    try:
        _, pending = phone_user(client, "ios", LIVE_APNS)
        challenge = client.auth_sync.mfa.push_challenge(pending)
        assert challenge.delivered == 1
        sent = seen[-1]
        assert sent["headers"][":method"] == "POST"
        assert sent["headers"][":path"] == f"/3/device/{LIVE_APNS}"
        assert sent["headers"]["apns-topic"] == "com.example.app"
        assert sent["headers"]["apns-push-type"] == "alert"
        assert sent["body"]["challengeId"] == challenge.challenge_id
        assert challenge.number not in json.dumps(sent["body"])

        user_id, pending = phone_user(client, "ios", DEAD_APNS)
        assert client.auth_sync.mfa.push_challenge(pending).delivered == 0
        assert client.auth_sync.get_mfa_status(user_id).push_devices[0].poll_only
        # One provider token serves both sends.
        tokens = {s["headers"]["authorization"] for s in seen}
        assert len(tokens) == 1
    finally:
        sock.close()


# --- Amazon SNS --------------------------------------------------------------------------


def test_sns_publish_is_signed_as_botocore_signs_it(tmp_path: Path) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    published: List[Dict[str, List[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            authorization = self.headers["authorization"]
            fields = dict(part.strip().split("=", 1) for part in authorization.split(" ", 1)[1].split(","))
            signed = fields["SignedHeaders"].split(";")
            assert signed == ["content-type", "host", "x-amz-date"]
            request = AWSRequest(
                method="POST",
                url=f"http://{self.headers['host']}/",
                data=body,
                headers={n: self.headers[n] for n in signed if n != "host"},
            )
            request.context["timestamp"] = self.headers["x-amz-date"]
            auth = SigV4Auth(Credentials("AKIDEXAMPLE", secret), "sns", "eu-west-1")
            canonical = auth.canonical_request(request)
            expected = auth.signature(auth.string_to_sign(request, canonical), request)
            assert fields["Signature"] == expected, canonical
            assert fields["Credential"].startswith("AKIDEXAMPLE/") and fields["Credential"].endswith("/eu-west-1/sns/aws4_request")
            form = urllib.parse.parse_qs(body.decode())
            published.append(form)
            if form["PhoneNumber"] == ["+15555550199"]:
                reply = b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code></Error></ErrorResponse>"
                self.send_response(400)
            else:
                reply = b"<PublishResponse><PublishResult><MessageId>1</MessageId></PublishResult></PublishResponse>"
                self.send_response(200)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        limits = {"per_minute": 5, "per_hour": 10, "per_day": 20}
        client = new_client(tmp_path, methods={"sms": {"provider": "aws-sns", "rate_limits": limits}}, delivery={"sns": {
            "region": "eu-west-1",
            "access_key_id": "AKIDEXAMPLE",
            "secret_access_key": secret,
            "endpoint": f"http://127.0.0.1:{server.server_address[1]}",
        }})
        auth = client.auth_sync
        user = auth.sign_up(unique_email(), PASSWORD).user
        setup = auth.enable_mfa(user_id=user.id, method="sms", phone_number="+15555550100")
        assert setup.code_sent
        form = published[-1]
        assert form["Action"] == ["Publish"] and form["PhoneNumber"] == ["+15555550100"]
        assert form["MessageAttributes.entry.1.Value.StringValue"] == ["Transactional"]
        assert "verification code" in form["Message"][0]
        # A number SNS refuses is the caller's input, named by its field.
        with pytest.raises(plinto.InvalidInputError) as refused:
            auth.enable_mfa(user_id=user.id, method="sms", phone_number="+15555550199")
        assert refused.value.field == "phone_number"
    finally:
        server.shutdown()


def test_unknown_providers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(plinto.InvalidInputError) as refused:
        new_client(tmp_path, methods={"sms": {"provider": "carrier-pigeon"}})
    assert refused.value.field == "methods.sms.provider"
    with pytest.raises(plinto.InvalidInputError) as bad_key:
        new_client(tmp_path, delivery={"apns": {
            "team_id": "T", "key_id": "K", "private_key": "not a key", "topic": "com.example"}})
    # Named as the caller spelled it.
    assert bad_key.value.field == "delivery.apns.private_key"


def test_a_silent_apns_server_costs_one_timeout_and_keeps_the_token(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted: List[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
    client = new_client(tmp_path, delivery={"timeout_seconds": 1, "apns": {
        "team_id": "TEAM123456", "key_id": "KEY1234567", "private_key": pem(key),
        "topic": "com.example.app", "base_url": f"http://127.0.0.1:{silent.getsockname()[1]}",
    }})
    try:
        user_id, pending = phone_user(client, "ios", LIVE_APNS)
        started = time.monotonic()
        assert client.auth_sync.mfa.push_challenge(pending).delivered == 0
        assert time.monotonic() - started < 5
        assert not client.auth_sync.get_mfa_status(user_id).push_devices[0].poll_only
    finally:
        silent.close()
        for s in accepted:
            s.close()
