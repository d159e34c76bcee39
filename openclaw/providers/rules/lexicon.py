"""Word lists and precompiled patterns shared by intent, complexity and extraction.

English, Traditional and Simplified Chinese. Every pattern is bounded (no nested
unbounded repetition), so scanning hostile text stays linear. Patterns are matched
against the text exactly as written (``re.IGNORECASE``), never against a lower-cased
copy, so match positions always index the original text.
"""

from __future__ import annotations

import re

IC = re.IGNORECASE
"""Shorthand for re.IGNORECASE, used by every pattern here."""

MAX_SCAN_CHARS = 8000
"""Only this many leading characters of a text are scanned (hostile input stays cheap)."""

# One name-like token: anything but whitespace, ASCII/CJK punctuation and CJK characters.
# Non-ASCII letters (Cyrillic look-alikes, full-width letters) stay in, so validation sees them.
NAME_CHAR = (
    r"(?-i:[^\s,;:'\"`()\[\]{}<>|&=!?\u2018\u2019\u201c\u201d"
    r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65])"
)
"""One character of a name. The set excludes only caseless characters (spaces, punctuation, CJK), so it is
case-sensitive (``(?-i:…)``) inside the case-insensitive patterns: the same matches, and Python compiles it
about three times faster than with case folding over its 27,000 CJK code points (every pattern here holds it)."""
TOKEN = rf"(?<!{NAME_CHAR}){NAME_CHAR}{{1,253}}(?!{NAME_CHAR})"
"""A whole name-like token (it cannot start inside another token, which keeps scans linear)."""

_NEG = (
    r"(?:\b(?:don'?t|do\s+not|never|without|no\s+need\s+to|not|avoid|stop|shouldn'?t|won'?t|cannot|can'?t)"
    r"\s+(?:\w+\s+){0,2}|不要|別|别|勿|不用|無需|无需|不必|禁止)$"
)
NEGATION = re.compile(_NEG, IC)
"""Matches at the end of the text just before a trigger when the request is negated."""

# --- request triggers ----------------------------------------------------------------------

TRIGGERS: dict[str, re.Pattern[str]] = {
    "alert": re.compile(
        r"\b(?:send|raise|fire|trigger|post|emit|push|open|create|file|drop)\b[^.;\n:]{0,30}?"
        r"\b(?:alerts?|alarms?|notifications?|pages?|warnings?|messages?)\b"
        r"|\b(?:page|alert|ping|wake(?:\s+up)?|ring(?:\s+up)?|buzz|call|phone|text)\s+(?:the\s+|an?\s+|our\s+)?"
        r"(?:on-?call|oncall|sre|team|someone|engineers?|ops|admins?|people|everyone|me|us|him|her|them|@\S+)"
        r"|\bnotify\b|\bescalate\b|\blet\s+(?:the\s+)?(?:on-?call|oncall|team|sre|ops|people|everyone)\s+know\b"
        r"|(?:發送|发送|發出|发出|傳送|传送|送出|推送|發個|发个|發一個|发一个|發一條|发一条|發佈|发布)"
        r"[^\n。，,]{0,8}?(?:告警|警報|警报|通知|警示|訊息|消息)|通知",
        IC,
    ),
    "scale": re.compile(
        r"\b(?:scale|scaling|resize|upscale|downscale)\b"
        r"|\b(?:set|bump|increase|raise|reduce|decrease|lower|change|adjust|bring|take|put)\b"
        r"(?=[^.;\n]{0,40}?\breplicas?\b)"
        r"|\b(?:bring|take)\b(?=[^.;\n]{0,40}?\b(?:up|down|back)\s+to\s+(?:[0-9]|zero|one|two|three|four|five"
        r"|six|seven|eight|nine|ten|a\s+(?:single|couple|few|pair)))"
        r"|擴展|扩展|擴容|扩容|縮容|缩容|縮減|缩减|擴充|扩充|伸縮|伸缩|調整副本|调整副本",
        IC,
    ),
    "restart": re.compile(
        r"\b(?:re-?start|bounce|reboot|recycle|kick|cycle|roll(?!\s*-?back)|rolling[- ]restart|re-?deploy)\b"
        r"|(?<!一直)(?<!不斷)(?<!不断)(?<!反覆)(?<!反复)(?<!頻繁)(?<!频繁)"
        r"(?:重新啟動|重新启动|重啟|重启|重開|重开|重新部署|重新佈署)",
        IC,
    ),
    "logs": re.compile(r"\blogs?\b(?!\s+(?:in|on|out)\b)|\btail\b|日誌|日志|紀錄檔|记录文件", IC),
    "show": re.compile(
        r"\b(?:show|list|get|check|display|view|describe|fetch|print|inspect|look\s+at|status\s+of"
        r"|what'?s\s+running|what\s+is\s+running|which\s+pods|how\s+many\s+pods|verify|confirm)\b"
        r"|\bwhat\s+(?:are\s+the\s+)?(?=(?:pods|deployments|services|nodes|events)\b)"
        r"|\b(?:are|is)\s+(?:the\s+|all\s+|my\s+|our\s+)?(?:[\w-]+\s+)?(?=(?:pods?|deployments?|services?|nodes?)"
        r"\s+(?:running|up|down|ready|healthy|unhealthy|ok|okay|fine|alive|available|working|stable)\b)"
        r"|\b(?:are|is)\s+(?=(?:the\s+)?(?:pods?|deployments?|deploy|services?|svc|nodes?)(?:/|\s+)[\w.-]{1,63}\s+"
        r"(?:running|up|down|ready|healthy|unhealthy|ok|okay|fine|alive|available|working|stable)\b)"
        r"|查看|查詢|查询|列出|顯示|显示|檢查|检查|看看|看一下|獲取|获取|取得|列一下",
        IC,
    ),
    # "stop the catalog deployment", "shut down catalog": scale to zero (only as a command, see requests).
    "stop": re.compile(r"\b(?:stop|shut\s*down|shut\s+off|turn\s+off|take\s+down|power\s+off)(?![\w-])(?=\s+\S)", IC),
    "destroy": re.compile(
        r"\b(?:delete|remove|drain|cordon|uncordon|wipe|destroy|purge|kill|evict|taint|nuke"
        r"|exec\s+into|shell\s+into|ssh\s+into|roll\s*-?back|undo)\b|刪除|删除|移除|清空|銷毀|销毁|回滾|回滚",
        IC,
    ),
}
KIND_ORDER = ("alert", "scale", "restart", "logs", "destroy", "stop", "show")
"""When two triggers overlap, the earlier kind in this order wins."""

COMMAND_LEAD = re.compile(
    r"\s*(?:(?:please|pls|plz|kindly|just|now|ok(?:ay)?|so|then|urgently|immediately|asap|and|also|first"
    r"|(?:can|could|would|will)\s+(?:you|we|someone)|(?:we|i)\s+(?:need|want|have)\s+(?:you\s+)?to|need\s+to"
    r"|let'?s|go\s+ahead\s+and|hey|team|sre|ops)\b[\s,]*)*",
    IC,
)
"""Words that may come before a command ("please", "can you"): "stop" after anything else describes."""

KUBECTL = re.compile(r"\bkubectl\b", IC)

# Clause boundaries: sentence ends, and conjunctions that chain requests.
CLAUSE_SPLIT = re.compile(
    r"[.!?](?=\s|$)|[;；。！？\n]|\b(?:and\s+then|and\s+also|then|also|after\s+that|afterwards|and|plus|next|finally)\b"
    r"|然後|然后|接著|接着|之後|之后|並且|并且|同時|同时|以及|再來|再来|另外",
    IC,
)
SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[;；。！？\n]")

# --- intent vocabulary ----------------------------------------------------------------------

FIX = re.compile(
    r"\b(?:fix|fixing|repair|resolve|handle|mitigate|remediate|recover|restore|heal|stabili[sz]e"
    r"|sort\s+(?:it|this|that)\s+out|deal\s+with|take\s+care\s+of|do\s+something|make\s+it\s+work"
    r"|get\s+it\s+(?:back|working)|bring\s+it\s+back|(?<!the\s)(?<!your\s)(?<!my\s)help)\b"
    r"|修復|修复|修好|處理|处理|解決|解决|搞定|恢復|恢复|想辦法|想办法|救一下|幫忙|帮忙",
    IC,
)
SYMPTOMS: dict[str, re.Pattern[str]] = {
    "crash": re.compile(
        r"\bcrash\w{0,12}|CrashLoopBackOff|\bkeeps?\s+(?:dying|restarting|failing|exiting|crashing)"
        r"|\brestart(?:s|ing|ed)\b|\bpanic\w{0,4}|\bsegfault\w{0,4}|\bexit(?:ed)?\s+code|\bdied\b|\bdying\b"
        r"|\b(?:is|are|went|gone|been|goes)\s+down\b|崩潰|崩溃|當機|宕機|宕机|掛了|挂了|掛掉|挂掉"
        r"|一直重啟|一直重启|不斷重啟|不断重启|反覆重啟|反复重启|頻繁重啟|频繁重启|閃退|闪退",
        IC,
    ),
    "memory": re.compile(
        r"\bOOM\w{0,8}|out\s+of\s+memory|memory\s+(?:leak|pressure|usage|limit)|記憶體|内存不足|內存|内存", IC
    ),
    "http": re.compile(
        r"\b5\d\d(?:s)?\b|\b5xx\b|\b4\d\d\s+errors?\b|bad\s+gateway|service\s+unavailable|gateway\s+timeout"
        r"|internal\s+server\s+error|\berrors?\b|\bexceptions?\b|錯誤|错误|異常|异常|報錯|报错",
        IC,
    ),
    "latency": re.compile(
        r"\blatency\b|\bslow\w{0,4}|\btim(?:e|ed|ing)\s*-?outs?\b|\btimeouts?\b|not\s+respond\w{0,4}"
        r"|unresponsive|\bhang(?:s|ing)?\b|\bstuck\b|high\s+traffic|overload\w{0,3}|traffic\s+spike"
        r"|延遲|延迟|緩慢|缓慢|很慢|超時|超时|無回應|无响应|沒有回應|没有响应|卡住|流量",
        IC,
    ),
    "cpu": re.compile(r"\bcpu\b|throttl\w{0,4}|\bload\s+average|高負載|高负载", IC),
    "disk": re.compile(r"\bdisk\w{0,4}|\bpvc\b|no\s+space|\bstorage\b|磁碟|磁盘|硬碟|空間不足|空间不足", IC),
    "network": re.compile(
        r"\bdns\b|connection\s+(?:refused|reset|failed|errors?|timed?\s*out)|unreachable|\bnetwork\b"
        r"|certificate|網路|网络|連線失敗|连接失败|連不上|连不上",
        IC,
    ),
    "scheduling": re.compile(
        r"\bpending\b|unschedulable|\bevicted\b|ImagePullBackOff|ErrImagePull|\bnot\s*ready\b|NotReady"
        r"|\bunhealthy\b|\bdegraded\b|readiness|liveness|probe\s+fail\w{0,3}|健康檢查|健康检查",
        IC,
    ),
    "failure": re.compile(
        r"\boutage\b|\bbroken\b|\bwrong\b|\bfail(?:s|ed|ing|ure|ures)?\b|\bnot\s+working\b"
        r"|\bisn'?t\s+working|故障|失敗|失败|壞了|坏了|不能用|無法|无法|出問題|出问题",
        IC,
    ),
}
CRASH_LIKE = frozenset({"crash", "memory"})
"""Symptom categories where a rolling restart is the usual first remedy."""

ANALYSIS = re.compile(
    r"\broot[- ]?cause\b|\brca\b|\banaly[sz](?:e|is|ing)\b|\binvestigat\w{0,5}|\bdiagnos\w{0,4}"
    r"|\bpost-?mortem\b|\bwhy\b|\bwhat\s+(?:caused|happened|is\s+causing|'?s\s+causing)|\bfigure\s+out\b"
    r"|\bcorrelat\w{0,5}|\btroubleshoot\w{0,3}|\btriage\b|\bexplain\s+(?:why|what\s+happened)"
    r"|根因|根本原因|分析|調查|调查|排查|診斷|诊断|為什麼|为什么|為何|为何|原因|怎麼回事|怎么回事",
    IC,
)
ALERT_FORMAT = re.compile(
    r"\[FIRING|\bFIRING\b|\balertname\s*[=:]|\bsummary\s*:|\bdescription\s*:|\bseverity\s*[=:]"
    r"|\blabels\s*:|\bannotations\s*:|\bKube[A-Z][a-z]\w{0,40}|\bAlertmanager\b|\brunbook_url\b",
    IC,
)
CODE = re.compile(
    r"(?:\b(?:write|generate|create|draft|produce|give\s+me|make|compose|author|build|scaffold|prepare"
    r"|craft|need|want)\b|寫|写|生成|產生|产生|撰寫|撰写|編寫|编写|建立|创建|給我|给我|產出|产出|做一個|做一个)"
    r"[^\n]{0,60}?"
    r"(?:\b(?:playbooks?|scripts?|yaml|yml|manifests?|runbooks?|helm|charts?|dockerfile|terraform|ansible"
    r"|templates?|snippet|code|function|program|bash|python|kustomiz\w{0,8}|cron\s*job|json\s+schema"
    r"|github\s+action|pipeline|regex|promql|sql|query|config\s+file)\b"
    r"|腳本|脚本|劇本|剧本|清單|清单|手冊|手册|程式|程序|代碼|代码|範本|模板|配置檔|配置文件|YAML|yaml)",
    IC,
)
GREETING = re.compile(
    r"^\W{0,5}(?:(?:hi|hello|hey|yo|hiya|howdy|good\s+(?:morning|afternoon|evening|night)|thanks|thank\s+you"
    r"|thx|ty|cheers|ok(?:ay)?|cool|great|nice|bye|goodbye|see\s+you|how\s+are\s+you|lol)\b"
    r"|你好|您好|嗨|哈囉|哈啰|謝謝|谢谢|多謝|多谢|早安|早上好|午安|晚安|再見|再见|好的|收到|辛苦了)",
    IC,
)
QUESTION = re.compile(
    r"\b(?:what\s+(?:is|are|does|do)\s+(?:an?\s+|the\s+)?(?!running)|what'?s\s+(?:an?\s|the\s+difference)"
    r"|how\s+(?:does|do|can|should|would)\s+(?:i|we|you|one|an?|it|they)\b|how\s+to\b|explain\b"
    r"|difference\s+between|tell\s+me\s+(?:about|a)\b|can\s+you\s+(?:explain|tell)|define\b|meaning\s+of"
    r"|who\s+are\s+you|what\s+can\s+you\s+do|do\s+you\s+know|is\s+it\s+(?:possible|true|better|safe)"
    r"|best\s+practices?|when\s+should)"
    r"|什麼是|什么是|是什麼|是什么|如何|怎麼|怎么|解釋|解释|介紹|介绍|區別|区别|差別|差别|嗎|吗",
    IC,
)
CONCEPT = re.compile(
    r"\b(?:how\s+(?:does|do|can|should|would)\s+(?:i|we|you|one|an?|it|they)\b|how\s+to\b|what\s+is\s+an?\b"
    r"|what'?s\s+an?\b|explain\b|difference\s+between|tell\s+me\s+about|what\s+does\s+\S+\s+mean)"
    r"|什麼是|什么是|是什麼|是什么|解釋|解释|介紹|介绍|如何|怎麼做|怎么做",
    IC,
)
"""A question about a concept or a how-to: requests in the rest of that sentence are discussed, not asked."""
CRITICAL_WORDS = re.compile(
    r"\b(?:critical|urgent|emergency|sev[- ]?[01]|p[01]|outage|data\s+loss|production\s+down|all\s+users"
    r"|customers?\s+(?:affected|impacted)|revenue)\b|緊急|紧急|嚴重|严重|危急|重大|全部用戶|全部用户",
    IC,
)
MULTI_STEP = re.compile(
    r"\b(?:then|after\s+that|afterwards|first|second|finally|next|step|steps|before|once|and\s+also)\b"
    r"|然後|然后|接著|接着|之後|之后|首先|最後|最后|步驟|步骤",
    IC,
)
VAGUE = re.compile(
    r"\b(?:something|somehow|some\s+kind|weird|strange|not\s+sure|maybe|might|seems?|whatever|anything"
    r"|wrong)\b|好像|似乎|奇怪|不確定|不确定|可能",
    IC,
)
