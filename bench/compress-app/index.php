<?php
// A page of the size and shape compression is for: about 12 KB of HTML, a
// table of rows that differ in their numbers, the same on every request.
echo "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Orders</title></head><body>\n";
echo "<table class=\"orders\">\n<tr><th>Order</th><th>Customer</th><th>Items</th><th>Total</th><th>Status</th></tr>\n";
$status = ['pending', 'paid', 'shipped', 'delivered'];
for ($i = 1; $i <= 120; $i++) {
    printf("<tr><td>#%05d</td><td>customer-%03d</td><td>%d</td><td>%d.%02d EUR</td><td class=\"%s\">%s</td></tr>\n",
        $i, ($i * 37) % 500, $i % 7 + 1, ($i * 13) % 400, ($i * 29) % 100, $status[$i % 4], $status[$i % 4]);
}
echo "</table>\n</body></html>\n";
