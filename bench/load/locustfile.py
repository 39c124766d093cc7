"""The city's day in miniature (issue 16, item 3): counter operators, reviewers, GIS staff and citizens at once.

Run by bench/load/run.py, which prepares the plan (tokens, free parcels, tracking codes, the city's tiles) in
LOAD_PLAN and starts the servers; the outbox worker delivers the webhooks the decisions raise meanwhile.
Every request kind is named, so Locust's table gives throughput and percentiles per kind.
Think times are a person's (seconds between actions), not a script's.
"""

import json
import os
import random

from locust import FastHttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
# each submitted once: this level's own share (one locust process, so one shared list)
FREE_PARCELS = list(PLAN["free_parcels"][int(os.environ.get("LOAD_LEVEL", "0"))])
random.Random(16).shuffle(FREE_PARCELS)


def _auth(username: str) -> dict:
    return {"Authorization": f"Token {PLAN['tokens'][username]}"}


class Person(FastHttpUser):
    """Someone at a screen; with several application servers each person's browser is sent to one of them
    (as a load balancer would), and stays there."""

    abstract = True

    def on_start(self):
        self.base = random.choice(PLAN["servers"])


class CounterOperator(Person):
    """Opens files at the counter, looks parcels up, checks what can be served, takes payments."""

    weight = 4
    wait_time = between(2, 6)

    def on_start(self):
        super().on_start()
        self.headers = _auth(random.choice(PLAN["operators"]))

    @task(4)
    def find_parcel(self):
        plate = random.choice(PLAN["plates"])
        self.client.get(f"{self.base}/api/v1/parcels/?q={plate}", headers=self.headers, name="operator: find parcel")

    @task(4)
    def feasibility(self):
        parcel = random.choice(PLAN["parcels"])
        self.client.get(f"{self.base}/api/v1/parcels/{parcel}/feasibility/", headers=self.headers,
                        name="operator: feasibility")

    @task(3)
    def open_file(self):
        files = self.client.get(f"{self.base}/api/v1/applications/?status=under_review", headers=self.headers,
                                name="operator: list files").json()["applications"]
        if files:
            self.client.get(f"{self.base}/api/v1/applications/{random.choice(files[:50])['id']}/", headers=self.headers,
                            name="operator: open file")

    @task(2)
    def submit(self):
        if not FREE_PARCELS:
            return
        body = dict(PLAN["request_body"], parcel=FREE_PARCELS.pop())
        body["permit"] = dict(body["permit"], gross_floor_area=body["permit"]["gross_floor_area"])
        with self.client.post(f"{self.base}/api/v1/applications/", json=body, headers=self.headers,
                              name="operator: submit file", catch_response=True) as r:
            if r.status_code in (400, 409):  # the map or the zoning refuses this parcel: a clerk's answer
                r.success()

    @task(1)
    def take_payment(self):
        files = self.client.get(f"{self.base}/api/v1/applications/?status=awaiting_payment", headers=self.headers,
                                name="operator: list files").json()["applications"]
        if not files:
            return
        app = self.client.get(f"{self.base}/api/v1/applications/{random.choice(files[:20])['id']}/", headers=self.headers,
                              name="operator: open file").json()
        bills = [b for b in app.get("bills", []) if not b.get("paid")]
        if not bills:
            return
        with self.client.post(f"{self.base}/api/v1/applications/{app['id']}/payments/", headers=self.headers,
                              json={"provider": "cash", "amount": bills[0]["total"],
                                    "reference": f"L{random.randrange(10**9)}"},
                              name="operator: take payment (issues the permit)", catch_response=True) as r:
            if r.status_code == 409:  # another clerk took it first
                r.success()


class Reviewer(Person):
    """An agency's reviewer: the files waiting for the agency, one opened, a decision."""

    weight = 3
    wait_time = between(3, 8)

    def on_start(self):
        super().on_start()
        self.agency = random.choice(PLAN["agencies"])
        self.headers = _auth(f"reviewer.{self.agency}")

    @task
    def decide(self):
        files = self.client.get(f"{self.base}/api/v1/applications/?open_for={self.agency}", headers=self.headers,
                                name="reviewer: waiting files").json()["applications"]
        if not files:
            return
        pk = random.choice(files[:30])["id"]
        self.client.get(f"{self.base}/api/v1/applications/{pk}/", headers=self.headers, name="reviewer: open file")
        with self.client.post(f"{self.base}/api/v1/applications/{pk}/reviews/{self.agency}/decision/",
                              json={"decision": "approve"}, headers=self.headers,
                              name="reviewer: decide", catch_response=True) as r:
            if r.status_code in (400, 409):  # decided a moment ago by a colleague
                r.success()


class GisStaff(Person):
    """Pans the shared map: a screenful of tiles around a place, at street zooms."""

    weight = 2
    wait_time = between(1, 4)

    def on_start(self):
        super().on_start()
        self.headers = _auth(random.choice(PLAN["gis"]))

    @task
    def pan(self):
        z = random.choice([14, 15, 16])
        x0, y0, x1, y1 = PLAN["tile_ranges"][str(z)]
        x, y = random.randint(x0, x1), random.randint(y0, y1)
        for layer in PLAN["layers"]:
            for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                self.client.get(f"{self.base}/tiles/{layer}/{z}/{x + dx}/{y + dy}.mvt", headers=self.headers,
                                name=f"gis: tile z{z}")


class Citizen(Person):
    """Follows a file from home: tracking code and mobile, from the citizen's own address (through the proxy)."""

    weight = 3
    wait_time = between(5, 15)

    def on_start(self):
        super().on_start()
        self.headers = {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}."
                                           f"{random.randrange(1, 255)}"}

    @task
    def track(self):
        code, mobile = random.choice(PLAN["tracking"])
        self.client.post(f"{self.base}/api/v1/track/{code}/", json={"mobile": mobile}, headers=self.headers,
                         name="citizen: track file")
