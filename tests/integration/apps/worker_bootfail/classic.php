<?php
echo "classic ", getmypid();
