def test_person_round_trip(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    r = client.post("/api/v1/people", json={"key": "R1", "kind": "resident", "name": "Ann"}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["name"] == "Ann" and body["version"] == 1
    r = client.patch(f"/api/v1/people/{body['id']}", json={"name": "Anne", "version": 1}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    r = client.get("/api/v1/people", headers=h)
    assert r.json()["total"] == 1
