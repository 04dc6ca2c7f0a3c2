import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { CreateRuleDto, ListRulesQuery, UpdateRuleDto } from './rule.dto';
import { RuleView } from './rule-view';
import { RulesService } from './rules.service';

@Controller('rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  async list(@Query() query: ListRulesQuery): Promise<{ items: RuleView[] }> {
    return { items: await this.rules.list(query.shopId) };
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<RuleView> {
    return this.rules.get(id);
  }

  @Post()
  create(@Body() dto: CreateRuleDto): Promise<RuleView> {
    return this.rules.create(dto);
  }

  @Patch(':id')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateRuleDto): Promise<RuleView> {
    return this.rules.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.rules.remove(id);
  }
}
