{
  "targets": [
    {
      "target_name": "x_udp",
      "sources": ["src/x_udp.c"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
